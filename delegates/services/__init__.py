"""Every write of the delegates app goes through these functions.

`registration` holds who takes part (submission, decisions, withdrawal),
`attendance` who was there (badges, check-in, attendance records). Each
function runs in one transaction and sends mail only after it commits.
"""

from .attendance import *  # noqa: F403
from .errors import ServiceError as ServiceError
from .registration import *  # noqa: F403
