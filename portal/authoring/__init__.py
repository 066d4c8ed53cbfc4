"""Custom lessons written in the portal: drafts, validation, publishing, history, ZIP export and
import, uploaded images (see docs/authoring.md). Every service here is for admins and checks
``require_admin``; ``published_content`` and ``image_for_lesson`` serve what learners may see."""
