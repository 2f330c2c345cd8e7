"""One small exception hierarchy: every message names the file or value and the fix."""


class QAError(Exception):
    """Base class: a problem the user can fix; the CLI and UI show the message, not a traceback."""


class CorpusError(QAError):
    """A corpus folder or article file cannot be used."""


class IndexMissingError(QAError):
    """No index has been built yet in the given folder."""


class IndexCorruptError(QAError):
    """An index exists but is damaged, incompatible or from an older format."""


class IndexLockedError(QAError):
    """Another process is writing the index."""


class StoreUnavailableError(QAError):
    """A store server (Qdrant) or a Ray cluster cannot be reached, or refuses the credentials."""


class ModelError(QAError):
    """The embedding model cannot be loaded or converted."""


class ConfigError(QAError):
    """A setting, flag or environment variable has a value that cannot be used."""
