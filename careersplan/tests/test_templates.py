"""The shipped templates are the seeds, word for word: parsed from the seed text files."""

import html
import re
from pathlib import Path

import pytest

from careersplan.choices import Rag
from careersplan.models import ChecklistItem, TemplateRow, TemplateSection

from .factories import shipped_templates

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def seed_text(name: str) -> str:
    """Seeds live in ../shared/seeds beside the clone (or beside a folder of worktrees)."""
    for ancestor in REPO.parents:
        candidate = ancestor / "shared" / "seeds" / name
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    pytest.fail(f"Seed {name} not found in shared/seeds/ beside the repository ({REPO}) or "
                f"its parents: the template fidelity test needs the seed documents.")


def norm(text: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = text.replace("■", " ").replace("•", " ").replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


def parse_kent(text: str):
    """Sections of the seed's plan tables: {title: (row-column text, other-columns text)}."""
    body = text.split("## **Annual Careers Plan**", 1)[1]
    body = body.split("### **Annual Careers Plan Checklist**")[0]
    sections, current = {}, None
    for line in body.splitlines():
        if "\t" not in line:
            continue
        cells = line.split("\t")
        first = cells[0]
        if "PLANNED" in line:
            current = norm(first).rstrip(":")
            sections[current] = ([], [])
            continue
        if current is None:
            continue
        items = re.findall(r"<li>(.*?)</li>", first) if "<li>" in first else \
            re.split(r"\s{2,}", first)
        sections[current][0].extend(norm(i) for i in items if norm(i))
        sections[current][1].append(norm(" ".join(cells[1:])))
    return {title: (rows, " ".join(rest)) for title, (rows, rest) in sections.items()}


def test_every_section_row_and_indicator_of_seed_002_is_in_the_kent_template():
    kent, _ = shipped_templates()
    seed = parse_kent(seed_text("002_e5106640b331a244.txt"))
    sections = {s.title: s for s in TemplateSection.objects.filter(template=kent)}
    assert list(sections) == list(seed), "sections, in the seed's order"
    assert len(seed) == 7
    for title, (seed_rows, seed_rest) in seed.items():
        labels = [r.label for r in TemplateRow.objects.filter(section=sections[title])]
        # Every fragment of the seed's row column is (part of) a row of the template…
        for fragment in seed_rows:
            assert any(fragment in label for label in labels), (title, fragment)
        # …and every row of the template is, word for word, in the seed's row column.
        joined = " ".join(seed_rows)
        for label in labels:
            assert label in joined, (title, label)
        # Evidence indicators: each one, in the seed's text of that section.
        for text, subs in sections[title].indicator_list():
            assert norm(text) in seed_rest, (title, text)
            for sub in subs:
                assert norm(sub) in seed_rest, (title, sub)
    total_rows = TemplateRow.objects.filter(section__template=kent).count()
    assert total_rows == 5 + 8 + 8 + 5 + 8 + 4 + 4


def test_the_20_checklist_items_and_rag_bands_are_the_seeds():
    kent, _ = shipped_templates()
    text = seed_text("002_e5106640b331a244.txt")
    checklist = text.split("### **Annual Careers Plan Checklist**", 1)[1]
    seed_items = re.findall(r"^(\d+)\t([^\t]+)\t", checklist, flags=re.MULTILINE)
    assert len(seed_items) == 20
    items = list(ChecklistItem.objects.filter(template=kent).order_by("number"))
    assert [(str(i.number), i.text) for i in items] == [(n, t.strip()) for n, t in seed_items]
    assert [i.number for i in items if i.is_governing_body_approval] == [4]
    bands = re.search(r"0-(\d+) = RED (\d+)-(\d+) AMBER (\d+)-(\d+) GREEN", checklist).groups()
    assert kent.rag_bands(20) == [
        (Rag.RED, 0, int(bands[0])), (Rag.AMBER, int(bands[1]), int(bands[2])),
        (Rag.GREEN, int(bands[3]), int(bands[4])),
    ]


@pytest.mark.parametrize("score, rag", [(0, Rag.RED), (10, Rag.RED), (11, Rag.AMBER),
                                        (15, Rag.AMBER), (16, Rag.GREEN), (20, Rag.GREEN)])
def test_rag_boundaries(score, rag):
    kent, _ = shipped_templates()
    assert kent.rag_for(score) == rag


def test_triple_a_aims_are_attached_where_the_seed_relates_them():
    kent, _ = shipped_templates()
    rows = {r.label: r for r in TemplateRow.objects.filter(section__template=kent)}
    assert rows["Careers Education"].aim_list() == ["Aspiration"]
    assert rows["Work Related Learning / Employability Skills"].aim_list() == ["Attitude"]
    assert rows["Post 16 Study Programme"].aim_list() == ["Achievement"]


def test_ilp_checklist_statements_are_seed_001_section_5_grouped_as_in_the_seed():
    _, ilp = shipped_templates()
    text = norm(seed_text("001_444721a63e2c7def.txt"))
    start = text.index("ILP implementation and improvement checklist This checklist")
    body = text[start:].replace("'", " ")
    sections = list(TemplateSection.objects.filter(template=ilp).order_by("position"))
    assert [s.title for s in sections] == [
        "Identification of needs", "Creation of an ILP", "Reviewing progress against the ILP",
        "Supporting staff", "Partnership working", "Quality and evaluation",
        "Templates and recording", "Supporting learner involvement",
    ]
    position = 0
    for section in sections:
        found = body.index(section.title, position)
        assert found >= position, section.title
        position = found
        for row in TemplateRow.objects.filter(section=section).order_by("position"):
            statement = row.label.replace("'", " ")
            found = body.index(statement, position)  # in the seed, in order, in its group
            position = found
    assert TemplateRow.objects.filter(section__template=ilp).count() == 40
