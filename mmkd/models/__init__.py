from .backbones import *  # noqa: F401,F403
from .connectors import *  # noqa: F401,F403
from .diffusion import *  # noqa: F401,F403
from .distillers import *  # noqa: F401,F403
from .fusion import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .target_transforms import *  # noqa: F401,F403
