"""getResolvedOptions and GlueArgumentError, with the semantics of AWS Glue's own awsglue.utils."""

import argparse

__all__ = ["GlueArgumentError", "getResolvedOptions"]

# Options Glue itself passes and reserves; their values are fixed by Glue's job definitions.
_BOOKMARK_OPTION = "job-bookmark-option"
_BOOKMARK_CHOICES = ["job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable"]
_CONTINUATION_OPTION = "continuation-option"
_CONTINUATION_CHOICES = ["continuation-enabled", "continuation-readonly", "continuation-ignore"]
_BOOKMARK_RANGE = ["job-bookmark-from", "job-bookmark-to"]
_RESERVED_IDS = ["JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION"]
_ENCRYPTION_OPTION = "encryption-type"
_ENCRYPTION_CHOICES = ["sse-s3"]
_LINEAGE_OPTION = "enable-data-lineage"
_TEMP_DIRS = {"RedshiftTempDir", "TempDir"}

_global_args = {}


class GlueArgumentError(Exception):
    pass


class GlueArgumentParser(argparse.ArgumentParser):
    # Glue raises instead of printing usage and exiting, so the script sees the error.
    def error(self, message):
        raise GlueArgumentError(message)




def getResolvedOptions(args, options):
    """Resolve `--name value` options from args (sys.argv); unknown arguments are ignored."""
    parser = GlueArgumentParser()

    # Reserved names: Glue's messages name the first two without dashes and the rest with them.
    for name in (_CONTINUATION_OPTION, _BOOKMARK_OPTION):
        if name in options:
            raise RuntimeError("Using reserved arguments " + name)
    parser.add_argument("--" + _BOOKMARK_OPTION, choices=_BOOKMARK_CHOICES, required=False)
    parser.add_argument("--" + _CONTINUATION_OPTION, choices=_CONTINUATION_CHOICES, required=False)
    for name in _BOOKMARK_RANGE:
        if name in options:
            raise RuntimeError("Using reserved arguments --" + name)
        parser.add_argument("--" + name, required=False)
    for name in _RESERVED_IDS:
        if name in options:
            raise RuntimeError("Using reserved arguments --" + name)
        parser.add_argument("--" + name, required=False)
    if _ENCRYPTION_OPTION in options:
        raise RuntimeError("Using reserved arguments --" + _ENCRYPTION_OPTION)
    parser.add_argument("--" + _ENCRYPTION_OPTION, choices=_ENCRYPTION_CHOICES)
    if _LINEAGE_OPTION in options:
        raise RuntimeError("Using reserved arguments --" + _LINEAGE_OPTION)
    parser.add_argument("--" + _LINEAGE_OPTION, required=False)

    # TempDir and RedshiftTempDir are never required, even when asked for.
    options = [name for name in options if name not in _TEMP_DIRS]
    parser.add_argument("--RedshiftTempDir", required=False)
    parser.add_argument("--TempDir", required=False)
    for name in options:
        parser.add_argument("--" + name, required=True)

    parsed, _unknown = parser.parse_known_args(args[1:])
    resolved = vars(parsed)

    if resolved.get("TempDir") is not None:
        resolved["RedshiftTempDir"] = resolved["TempDir"]
    elif resolved.get("RedshiftTempDir") is not None:
        resolved["TempDir"] = resolved["RedshiftTempDir"]

    # --job-bookmark-option wins; otherwise an old-style --continuation-option is translated.
    continuation = resolved.pop("continuation_option", None)
    if resolved.get("job_bookmark_option") is None:
        if continuation is None:
            resolved["job_bookmark_option"] = "job-bookmark-disable"
        else:
            resolved["job_bookmark_option"] = _BOOKMARK_CHOICES[_CONTINUATION_CHOICES.index(continuation)]

    absent = ["--" + name for name in _BOOKMARK_RANGE if resolved.get(name.replace("-", "_")) is None]
    if resolved["job_bookmark_option"] == "job-bookmark-pause":
        if len(absent) == 1:
            raise RuntimeError("Missing option or value for " + absent[0])
    elif not absent:
        raise RuntimeError("Invalid option(s)" + " ".join("--" + name for name in _BOOKMARK_RANGE))

    _global_args.update(resolved)
    return resolved
