"""ws1-audit: readiness and compliance audits of Workspace ONE UEM Drop Ship Provisioning (Online).

The pipeline is ``collect -> snapshot -> inventory -> checks -> results -> renderers``;
each stage is a plain function in its own module (see ``../shared/DESIGN.md``).
"""

__version__ = "0.1.0"
TOOL_NAME = "ws1-audit"
