"""Structured logs: every line is one JSON object (LOG_FORMAT=json, the default) or one readable line
(LOG_FORMAT=text), whether it came from structlog (django-structlog's request lines) or from the standard library
(`logging.getLogger(...)` everywhere else). Every line written while a request is served carries its
`request_id` (core.middleware.RequestIdMiddleware, bound by django-structlog's RequestMiddleware), so an operator
can find every line of one request, and the client sees the same id in the `X-Request-ID` header.

The settings call `logging_config()` for LOGGING and `configure_structlog()` once."""

import structlog

# What every line gets, from structlog and from the standard library alike (before it is rendered).
SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,  # request_id (and ip) of the request being served
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
]


def renderer(log_format):
    if log_format == "text":
        return structlog.dev.ConsoleRenderer(colors=False)
    return structlog.processors.JSONRenderer(ensure_ascii=False)


def formatter(log_format="json"):
    """The logging.Formatter that writes a record as one JSON object (or one readable line)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*SHARED_PROCESSORS, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer(log_format),
        ],
    )


def logging_config(log_format, level, logger_levels):
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": formatter, "log_format": log_format}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {name: {"level": value} for name, value in logger_levels.items()},
    }


def configure_structlog():
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
