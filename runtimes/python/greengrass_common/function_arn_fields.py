"""Parsing and building Lambda function ARNs, as the public greengrasssdk does before every
invoke (FunctionArnFields(name).qualifier / .unqualified_arn, then build_function_arn).
The core's own functions have reserved ARNs with an empty region and account
(arn:aws:lambda:::function:GGRouter), so both parts are optional here."""
import re

_ARN = re.compile(
    r'arn:(?P<partition>aws(?:-[a-z]+)*):lambda:'
    r'(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)?:'
    r'(?P<account_id>\d{12})?:'
    r'function:(?P<name>[a-zA-Z0-9_-]{1,140})'
    r'(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?'
)


class FunctionArnFields:
    """The parts of one function ARN: partition, region, account_id, name, qualifier (None when
    the ARN has none). A string that is not a function ARN raises ValueError naming it."""

    def __init__(self, function_arn_string):
        self.parse_function_arn(function_arn_string)

    def parse_function_arn(self, function_arn_string):
        match = _ARN.fullmatch(function_arn_string) if isinstance(function_arn_string, str) else None
        if match is None:
            raise ValueError(
                'Cannot parse {!r} as a function ARN: expected '
                'arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]'.format(function_arn_string))
        self.partition = match.group('partition')
        # Empty for the core's reserved functions; kept as '' so ARNs rebuild exactly.
        self.region = match.group('region') or ''
        self.account_id = match.group('account_id') or ''
        self.name = match.group('name')
        self.qualifier = match.group('qualifier')

    @property
    def unqualified_arn(self):
        return 'arn:{}:lambda:{}:{}:function:{}'.format(self.partition, self.region, self.account_id, self.name)

    def to_arn_string(self):
        return FunctionArnFields.build_function_arn(self.unqualified_arn, self.qualifier)

    @staticmethod
    def build_arn_string(region, account_id, name, qualifier):
        """The older cores' builder (partition aws)."""
        unqualified = 'arn:aws:lambda:{}:{}:function:{}'.format(region or '', account_id or '', name)
        return FunctionArnFields.build_function_arn(unqualified, qualifier)

    @staticmethod
    def build_function_arn(unqualified_arn, qualifier=None):
        """`unqualified_arn` with `qualifier` appended when there is one; the result is checked,
        so a malformed qualifier is refused here rather than by the core."""
        arn = '{}:{}'.format(unqualified_arn, qualifier) if qualifier else unqualified_arn
        FunctionArnFields(arn)
        return arn
