"""What the import commands share (labour's imports, payments' import_settlement): reading the file, and
reporting a refused one line by line. A refusal has `message`, `problems` and `problem_count`."""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def read(path):
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandError(
            _("%(file)s: cannot read the file: %(reason)s") % {"file": path, "reason": error.strerror}
        ) from error


def refused(command, path, refusal):
    """The CommandError for a refused file, after writing each problem (line and column) to stderr."""
    for problem in refusal.problems:
        command.stderr.write(f"{path.name}: {problem}")
    if refusal.problem_count > len(refusal.problems):
        command.stderr.write(
            _("… and %(count)d more problems.") % {"count": refusal.problem_count - len(refusal.problems)}
        )
    return CommandError(refusal.message, returncode=1)


def add_arguments(parser, file_help, *, progress=True):
    """The arguments every import takes: the file, the language of its messages, and (where it draws
    one) --no-progress."""
    parser.add_argument("file", help=file_help)
    parser.add_argument(
        "--language", choices=[code for code, _name in settings.LANGUAGES], help="language of the messages"
    )
    if progress:
        parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
