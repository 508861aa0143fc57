"""护薪调度台 shared logic: rules, data access, charts, exports.

Pages and the ``python -m etl`` command line both call into this package, so a number
shown on a page and a number printed by the CLI come from the same function.
"""
