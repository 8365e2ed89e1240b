"""Preprocessors that repair damaged submissions before nbgrader grades them."""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells


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


class RestoreMissingCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, putting back missing test cells whatever else is missing.

    nbgrader places a missing grade cell after the source cell that comes
    before it, and fails (``KeyError``) when that cell is missing too or is
    not a grade or solution cell (a read-only cell, a stripped one): a
    submission whose nbgrader metadata was stripped, or which lost a cell
    next to a test, could not be graded at all.  Here a test cell whose
    metadata alone is gone (a cell of the same type and source is still
    there) gets it back in place; any other missing cell goes after the
    nearest earlier source cell that the submission still has (first if it
    was first, else last), and cells without a ``grade_id`` are left to
    ``CheckCellMetadata`` to report.
    """

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_nb.source_cells
        order = [cell.name for cell in source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solutions = {cell.name for cell in source_nb.solution_cells}
        present = {_grade_id(cell) for cell in nb.cells} - {None}
        for name, grade_cell in grade_cells.items():
            if name in present or name not in order:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            position = order.index(name)
            restored = self.missing_cell_transform(
                source_cells[position], grade_cell.max_score, is_solution=name in solutions)
            present.add(name)
            if name not in solutions:
                same = [cell for cell in nb.cells if _grade_id(cell) is None
                        and cell.cell_type == source_cells[position].cell_type
                        and cell.source.strip() == source_cells[position].source.strip()]
                if same:  # only its metadata was lost
                    same[0].metadata = restored.metadata
                    continue
            earlier = [other for other in order[:position] if other in present - {name}]
            where = 0 if position == 0 else len(nb.cells)
            if earlier:
                where = 1 + max(i for i, cell in enumerate(nb.cells)
                                if _grade_id(cell) == earlier[-1])
            nb.cells.insert(where, restored)
        return nb, resources

    def add_missing_task_cells(self, nb: NotebookNode, resources: dict):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_nb.source_cells
        order = [cell.name for cell in source_cells]
        present = {_grade_id(cell) for cell in nb.cells} - {None}
        for task_cell in source_nb.task_cells:
            if task_cell.name not in present and task_cell.name in order:
                nb.cells.append(self.missing_cell_transform(
                    source_cells[order.index(task_cell.name)], task_cell.max_score, is_task=True))
        return nb, resources


def _grade_id(cell) -> str | None:
    nbgrader = cell.get("metadata", {}).get("nbgrader")
    return nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
