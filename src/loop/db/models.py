"""Imports every module's models so that ``Base.metadata`` is complete (for Alembic and for tests).

A new module adds one import line here.
"""

from loop.auth.models import Credential
from loop.boards.models import BoardList, Card
from loop.clients.models import Client
from loop.discussion.models import DiscussionComment
from loop.dispatch.models import AgentSession
from loop.feedback.models import Feedback
from loop.goals.models import Goal
from loop.inbox.models import Draft, DraftAttachment, ReportExport
from loop.invoices.models import Invoice, InvoiceEmail, InvoiceLineItem
from loop.issues.models import Comment, Issue, IssueLabel, IssueRelation
from loop.jobs.models import Job
from loop.labels.models import Label
from loop.orgs.models import Membership, Organisation, OrgCounter, User
from loop.projects.models import Project, ProjectMember
from loop.prompts.models import PromptReview, PromptTemplate, PromptVersion
from loop.signals.models import (
    Signal,
    SignalFingerprint,
    SignalSettings,
    TriageRule,
    WebhookDelivery,
    WebhookProjectMapping,
    WebhookSecret,
)
from loop.tickets.models import Ticket
from loop.track.models import Section, Tag, TimeEntry, Todo, time_entry_tags, todo_tags

__all__ = [
    "AgentSession",
    "BoardList",
    "Card",
    "Client",
    "Comment",
    "Credential",
    "DiscussionComment",
    "Draft",
    "DraftAttachment",
    "Feedback",
    "Goal",
    "Invoice",
    "InvoiceEmail",
    "InvoiceLineItem",
    "Issue",
    "IssueLabel",
    "IssueRelation",
    "Job",
    "Label",
    "Membership",
    "OrgCounter",
    "Organisation",
    "Project",
    "ProjectMember",
    "PromptReview",
    "PromptTemplate",
    "PromptVersion",
    "ReportExport",
    "Section",
    "Signal",
    "SignalFingerprint",
    "SignalSettings",
    "Tag",
    "Ticket",
    "TimeEntry",
    "Todo",
    "TriageRule",
    "User",
    "WebhookDelivery",
    "WebhookProjectMapping",
    "WebhookSecret",
    "time_entry_tags",
    "todo_tags",
]
