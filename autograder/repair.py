"""Preprocessors that repair damaged submissions before nbgrader grades them."""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor


class DropClearedGradeMetadata(NbGraderPreprocessor):
    """Make the copies of a duplicated test cell plain cells.

    nbgrader's ``DeduplicateIds`` keeps the last cell with a given ``grade_id``
    and empties the ``nbgrader`` metadata of the others; an empty ``nbgrader``
    entry then breaks ``OverwriteCells`` when it puts missing cells back.  The
    copies are removed from grading altogether, as they should be.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if "nbgrader" in cell.metadata and not cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources
