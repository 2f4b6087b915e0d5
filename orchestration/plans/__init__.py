"""Plan documents in, reviewed targets out: the reading and extraction half of adding a plan.

What lives here (layer 2 of `orchestration.LAYERS`): reading a plan document (.txt in UTF-8 or
GB18030, .docx paragraphs and tables, .pdf with a text layer) and its manifest, proposing
candidate targets and baselines from it, writing them to a review workbook, reading the
reviewed workbook back and validating it, and measuring the extractor against the target
catalogue. It imports only `orchestration.settings` and standard or third-party libraries —
nothing from ingest, serving, reporting or definitions — so the loader, dbt and the CLI can call
it without it knowing them.
"""

from orchestration.plans.documents import (
    Cell,
    Document,
    DocumentRefused,
    PlanRefused,
    Table,
    read_document,
)
from orchestration.plans.extract import Candidate, extract_candidates
from orchestration.plans.manifest import (
    ManifestRefused,
    PlanManifest,
    manifest_path,
    parse_manifest,
    read_manifest,
)
from orchestration.plans.review import (
    AcceptedBaseline,
    AcceptedTarget,
    ReviewWorkbook,
    ValidationResult,
    read_review_workbook,
    validate_reviewed,
    write_review_workbook,
)

__all__ = [
    "AcceptedBaseline",
    "AcceptedTarget",
    "Candidate",
    "Cell",
    "Document",
    "DocumentRefused",
    "ManifestRefused",
    "PlanManifest",
    "PlanRefused",
    "ReviewWorkbook",
    "Table",
    "ValidationResult",
    "extract_candidates",
    "manifest_path",
    "parse_manifest",
    "read_document",
    "read_manifest",
    "read_review_workbook",
    "validate_reviewed",
    "write_review_workbook",
]
