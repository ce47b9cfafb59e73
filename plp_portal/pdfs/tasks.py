from celery import shared_task

from . import services


# The soft limit turns a runaway render into a failed render the person can retry, instead of a
# worker busy forever. It is generous on purpose: an annual careers plan at every text limit
# (42 rows, 5 evidence notes of 5,000 characters each) is 471 pages and took 30 s on the shared
# test machine; at 20 notes a row it would be several minutes (see the branch's report).
@shared_task(name="pdfs.render", acks_late=True, soft_time_limit=540, time_limit=570,
             plp_system_scope="renders one PDF for the viewer recorded on it (permission checked again)")
def pdf_render(render_id: int) -> str:
    return services.pdf_render_run(render_id=render_id)


@shared_task(name="pdfs.renders_pending",
             plp_system_scope="picks up, fails and deletes PDF renders of every organisation")
def pdf_renders_pending() -> dict:
    """Beat, every minute: renders whose publish failed (Redis down) and clean-up."""
    return services.pdf_renders_pending()


@shared_task(name="pdfs.bundle_build", acks_late=True, soft_time_limit=1800, time_limit=1860,
             plp_system_scope="builds a key worker's ZIP of progress files (each checked for its viewer)")
def pdf_bundle_build(bundle_id: int) -> str:
    return services.pdf_bundle_build(bundle_id=bundle_id)
