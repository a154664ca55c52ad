"""The group system: per-type rules as data (:mod:`.rules`) and the handler of every
group operation, registered in the op table on import."""

from . import manage, members, membership  # noqa: F401  (registers the handlers)
