"""A helper module a job loads with --extra-py-files."""


def summarize(names):
    return f"{len(names)} bucket(s): {', '.join(sorted(names))}"
