"""EventBridge Scheduler's `cron(...)` and `rate(...)` expressions, checked as AWS checks them.

Cron fields (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html): six,
minutes 0-59, hours 0-23, day-of-month 1-31 (with `L`, `W`), month 1-12 or JAN-DEC,
day-of-week 1-7 or SUN-SAT (with `L`, `#`), year 1970-2199; `,` `-` `*` `/` wildcards; exactly
one of day-of-month and day-of-week is `?`. The fields are checked by
`aws-cron-expression-validator`; rate expressions (`rate(value unit)`, a positive whole number,
`minute`/`hour`/`day` for 1 and the plural otherwise) here.
"""

import re

from aws_cron_expression_validator import validator as cron

# Each field's name and what it takes, for a message that says which field is wrong.
CRON_FIELDS = {
    cron.AWSCronExpressionMinuteError: "minutes (field 1) takes 0-59",
    cron.AWSCronExpressionHourError: "hours (field 2) takes 0-23",
    cron.AWSCronExpressionDayOfMonthError: "day-of-month (field 3) takes 1-31, ?, L or W",
    cron.AWSCronExpressionMonthError: "month (field 4) takes 1-12 or JAN-DEC",
    cron.AWSCronExpressionDayOfWeekError: "day-of-week (field 5) takes 1-7 or SUN-SAT, ?, L or #",
    cron.AWSCronExpressionYearError: "year (field 6) takes 1970-2199",
}
RATE = re.compile(r"rate\((?P<value>\S+) (?P<unit>\S+)\)")
RATE_UNITS = ("minute", "hour", "day")


def check_cron(expression: str) -> str:
    """`expression` if it is a valid `cron(...)`, else ValueError naming the wrong field."""
    if not (expression.startswith("cron(") and expression.endswith(")")):
        raise ValueError(
            f"expected cron(minutes hours day-of-month month day-of-week year), got {expression!r}"
        )
    fields = expression[5:-1].split()
    if len(fields) != 6:
        raise ValueError(
            f"{expression}: a cron expression has 6 fields (minutes hours day-of-month month "
            f"day-of-week year), got {len(fields)}"
        )
    try:
        cron.AWSCronExpressionValidator.validate(" ".join(fields))
    except cron.AWSCronExpressionError as error:
        field = CRON_FIELDS.get(type(error))
        if field is None:  # the day-of-month / day-of-week combination
            raise ValueError(
                f"{expression}: exactly one of day-of-month and day-of-week must be '?'"
            ) from None
        index = list(CRON_FIELDS).index(type(error))
        raise ValueError(f"{expression}: {fields[index]!r} is wrong: {field}") from None
    return expression


def check_rate(expression: str) -> str:
    """`expression` if it is a valid `rate(...)`, else ValueError saying what is wrong."""
    match = RATE.fullmatch(expression)
    if match is None:
        raise ValueError(f"expected rate(value unit) such as rate(5 minutes), got {expression!r}")
    value, unit = match["value"], match["unit"]
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{expression}: the value must be a whole number of 1 or more")
    if unit.removesuffix("s") not in RATE_UNITS:
        raise ValueError(f"{expression}: the unit is minute(s), hour(s) or day(s)")
    right = unit.removesuffix("s") + ("" if int(value) == 1 else "s")
    if unit != right:
        raise ValueError(f"{expression}: write rate({value} {right})")
    return expression


# CreateSchedule's ScheduleExpression is 256 characters at most (botocore's scheduler model).
SCHEDULE_EXPRESSION_MAX = 256


def check_schedule(expression: str) -> str:
    """A cron or rate expression of EventBridge Scheduler."""
    if len(expression) > SCHEDULE_EXPRESSION_MAX:
        raise ValueError(
            f"a schedule expression takes {SCHEDULE_EXPRESSION_MAX} characters at most, "
            f"got {len(expression)}"
        )
    return check_rate(expression) if expression.startswith("rate(") else check_cron(expression)
