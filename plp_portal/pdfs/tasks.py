from celery import shared_task

from . import services


# The soft limit turns a runaway render into a failed render the person can retry, instead of a
# worker busy forever (issue 11 item 8: no PDF takes long whatever people typed).
@shared_task(name="pdfs.render", acks_late=True, soft_time_limit=120, time_limit=150)
def pdf_render(render_id: int) -> str:
    return services.pdf_render_run(render_id=render_id)


@shared_task(name="pdfs.renders_pending")
def pdf_renders_pending() -> dict:
    """Beat, every minute: renders whose publish failed (Redis down) and clean-up."""
    return services.pdf_renders_pending()
