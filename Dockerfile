# Production image for PLP Portal (used by docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static_src ./static_src
RUN npm run build

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir .
COPY --from=assets /app/static/build ./static/build
ENV DJANGO_SETTINGS_MODULE=plp_portal.settings PYTHONUNBUFFERED=1
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
CMD ["gunicorn", "plp_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
