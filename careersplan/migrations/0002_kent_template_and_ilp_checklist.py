"""Ships the Kent Annual Careers Plan (seed 002) and the ILP implementation and improvement
checklist (seed 001, section 5) as global templates, word for word from the seeds.

The seed's tables came through a PDF conversion that interleaves row labels and evidence
indicators line by line; here each section's rows and indicators are put back together in the
seed's order. Triple A aims are attached where the seed relates a row to them (the aims'
definitions: aspiration = careers education that inspires; attitude = work related / enterprise
experience developing employability skills; achievement = curriculum pathways)."""

from django.db import migrations

KENT_NAME = "Kent Annual Careers Plan"
ILP_NAME = "ILP implementation and improvement checklist"

ASP, ATT, ACH = "aspiration", "attitude", "achievement"

# (group, title, rows [(label, aims)], evidence indicators: one per line, "- " = sub-item)
KENT_SECTIONS = [
    (
        "Review of Careers Education",
        "Internal Support",
        [
            ("Role of the Governing Body", ""),
            ("Role of the Senior Management Team", ""),
            ("Role of the teaching staff", ""),
            ("Role of non-teaching staff", ""),
            ("Role of SEN staff", ""),
        ],
        "A named member of the leadership team has overall responsibility.\n"
        "All staff are aware of the importance of developing young people's employability and "
        "their role in the programme.\n"
        "In establishing outcomes, the school/college has considered:\n"
        "- learner outcomes and benefits\n"
        "- employer outcomes and benefits\n"
        "- staff outcomes\n"
        "- regional and national economic",
    ),
    (
        "Review of Careers Education",
        "External Support",
        [
            ("Providers of Independent Impartial Guidance", ""),
            ("Name of the providers", ""),
            ("Nature of support", ""),
            ("Employer Participation", ATT),
            ("Nature of support", ""),
            ("FE / HEI Support", ACH),
            ("Role of providers of impartial guidance", ""),
            ("Role of vulnerable learner service", ""),
        ],
        "The school/college has strong links with external partners, such as Education "
        "Business Partnership organisations, LA, careers guidance provider, employers, FE, HE "
        "and primary and secondary schools, training providers\n"
        "There are records of past and present links with partners.\n"
        "Written partnership agreements set out what the school/college and relevant partners "
        "plan to deliver.\n"
        "There are records of partners' involvement.\n"
        "There is a clear focus on the important role of partners in collaborating with the "
        "school to raise young people's aspirations and to understand and develop "
        "employability.\n"
        "Involvement takes account of local, national and global priorities of employers and "
        "other partners.\n"
        "There are single points of contact in the school/college for individuals and external "
        "organisations.\n"
        "There are clear procedures in place for the commissioning and recruitment of "
        "partners.\n"
        "Protocols are in place to ensure that all partners have a good understanding of the "
        "aims and extent of the CEIAG programme and of their role within it.\n"
        "Briefing for partners includes information on planned learning outcomes for "
        "activities.",
    ),
    (
        "Review of Careers Education",
        "Kent Curriculum Framework",
        [
            ("Careers Education", ASP),
            ("Work Related Learning / Employability Skills", ATT),
            ("Post 16 Study Programme", ACH),
            ("HE Choices in place", f"{ASP},{ACH}"),
            ("Vulnerable Learners", ""),
            ("E-Portfolio for students", ""),
            ("Career Plan for each student", ASP),
            ("Usage of kentchoices4U", ASP),
        ],
        "The CEIAG programme shows the development within the curriculum of aspiration, "
        "attitude and achievement between key stages and takes account of young people's prior "
        "experiences.\n"
        "Students at all key stages have a range of learning experiences that develop their "
        "employability\n"
        "Elements of the programme exist for all students in each key stage.\n"
        "Learning experiences are appropriate to the needs of individuals.\n"
        "Students have exposure to a range of different occupational sectors.\n"
        "Students take part in activities in settings outside the school/college",
    ),
    (
        "Review of Careers Education",
        "Resources",
        [
            ("Labour Market Information", ASP),
            ("Destination Data Information", ""),
            ("Budget", ""),
            ("My Kent Choices: E-Portfolio", ""),
            ("Software Programmes", ""),
        ],
        "There is adequate allocation of time, funding, staff, space, expertise, training and "
        "other resources",
    ),
    (
        "Review of Careers Education",
        "Quality",
        [
            ("School Development Plan", ""),
            ("Careers Policy", ""),
            ("CEIAG Curriculum", f"{ASP},{ATT},{ACH}"),
            ("CEIAG Training plan for staff", ""),
            ("Procedure for Commissioning Independent Careers Guidance", ""),
            ("Quality in Careers Standard", ""),
            ("Independent Provider has Matrix Standard", ""),
            ("All advisers are Level 6 qualified careers advisers", ""),
        ],
        "Students at all key stages have a range of learning experiences that develop their "
        "employability\n"
        "Elements of the programme exist for all students in each key stage.\n"
        "Learning experiences are appropriate to the needs of individuals.\n"
        "Students have exposure to a range of different occupational sectors.\n"
        "Students take part in activities in settings outside the school/college\n"
        "A variety of assessment methods is used, for example, student reflection, peer, "
        "teacher and external.\n"
        "Employers are involved in the assessment of student learning.\n"
        "The employability programme shows the development within the curriculum of "
        "aspiration, attitude and achievement between key stages and takes account of young "
        "people's prior experiences",
    ),
    (
        "Review of Careers Education",
        "Learner Outputs",
        [
            ("Complete an on line application", ATT),
            ("Produce a CV", ATT),
            ("Employability Skills demonstrated", ATT),
            ("E-Portfolio produced", ""),
        ],
        "The employability programme and policy highlight priorities for employability and the "
        "associated learning outcomes for students.\n"
        "Learning outcomes are differentiated according to the needs of individual students.\n"
        "Planned outcomes reflect local, national and global priorities for employability.",
    ),
    (
        "Review of Careers Education",
        "Annual Review",
        [
            ("Students", ""),
            ("Parents", ""),
            ("Employers", ""),
            ("Other Learning providers", ""),
        ],
        "Evaluation is built into the delivery of each activity and element of the programme.\n"
        "All partners contribute to the evaluation.\n"
        "Outcomes of the evaluation are used to feed into the action plan for improvement of "
        "the whole employability programme",
    ),
]

KENT_CHECKLIST = [
    "Independent Impartial Careers guidance is secured for Yrs 8-13",
    "A Careers co-ordinator is in place in the school",
    "Commissioning agreement with external provider of careers guidance is in place",
    "Annual Careers Plan agreed by Governing Body",
    "Careers education policy implemented and reviewed annually",
    "CEIAG programme in school from year 7-11. CEIAG provision for pre 16 in colleges",
    "CEIAG programme in school/college for post 16",
    "The school/college invite employers into the institution as part of the CEG programme",
    "Attendance at the local CEIAG Network meetings",
    "Apprenticeships are included as an option in the CEIAG programme",
    "All Careers Guidance Advisers are Level 6 qualified",
    "Labour market information is available for use by learners",
    "CEIAG Coordinator / external provider contribute to parents evenings",
    "Annual CEIAG Budget agreed",
    "Teachers regularly attend INSET on CEIAG",
    "Investors in careers certificate stage 1",
    "investors in careers certificate stage 2",
    "Investors in careers certificate stage 3",
    "Work related activities and enterprise embedded across the curriculum",
    "Student feedback received on CEIAG",
]
GOVERNING_BODY_ITEM = 4

# Seed 001, section 5. The seed's text lost its apostrophes ("learner s"); they are restored.
ILP_GROUPS = [
    (
        "Identification of needs",
        [
            "Our process for developing an ILP identifies learning needs in English, "
            "mathematics, ICT, personal and social skills, vocational/subject skills",
            "Our process for developing an ILP identifies other support needs and any learning "
            "difficulties",
            "Our process for developing an ILP identifies any career planning or information, "
            "advice and guidance (IAG) needs",
            "We use a variety of methods to identify each learner's needs (discussion, staff "
            "views, written records, practical activities, self-assessments and structured "
            "assessment tools)",
            "Each learner's needs are shared with staff teaching each aspect of their programme",
        ],
    ),
    (
        "Creation of an ILP",
        [
            "The identification of learning and support needs directly influences the ILP",
            "Each learner is supported to explore and understand progression options, and this "
            "influences the ILP",
            "Each learner has an ILP",
            "Each ILP is different and reflects the learner's needs and an identified, clear "
            "progression aspiration",
            "Learners are involved in the development of their ILP",
            "The ILP is used as a working document",
            "The ILP identifies the skills, knowledge and experience the learner will need to "
            "progress in English, mathematics, ICT, personal and social skills, "
            "vocational/subject skills",
            "The ILP identifies long-term targets",
            "The ILP identifies the qualifications the learner is working towards",
        ],
    ),
    (
        "Reviewing progress against the ILP",
        [
            "The review process evaluates progress against the overall ILP",
            "The review process assesses progress against any short-term targets agreed at the "
            "previous review",
            "The review process involves agreeing short-term targets as stepping stones to the "
            "long-term targets agreed in the ILP",
            "The review identifies the support and learning opportunities that will help the "
            "learner to achieve their targets",
            "Progress reviews take place each half term",
        ],
    ),
    (
        "Supporting staff",
        [
            "Staff have been trained in using ILPs",
            "Staff have access to written guidance or working instruction on using ILPs",
            "We have made adequate time available for developing and reviewing each learner's "
            "ILP",
        ],
    ),
    (
        "Partnership working",
        [
            "Service level or partnership agreements identify clear roles and responsibilities "
            "for using ILPs",
            "We have agreed what learners need from ILPs",
            "We have agreed what the school(s) need(s) from ILPs",
            "We have agreed what off-site providers need from ILPs",
            "We have written procedures covering the three-stage ILP process",
            "We have agreed when ILPs are introduced for each learner",
            "We have involved IAG providers and Connexions in our planning",
        ],
    ),
    (
        "Quality and evaluation",
        [
            "We are monitoring the quality of ILPs",
            "We have agreed actions for improving ILP use",
        ],
    ),
    (
        "Templates and recording",
        [
            "We have agreed templates for recording each stage of the ILP process (these may be "
            "paper-based, electronic or multi-media)",
            "Or Partners are free to use their own templates as long as they meet minimum "
            "standards that we have agreed",
            "ILP documents tell a story of learning",
        ],
    ),
    (
        "Supporting learner involvement",
        [
            "ILPs are presented positively to learners",
            "We accredit the use of ILPs using QCF units",
            "We have produced learner-friendly guidance on using ILPs",
            "We use learning logs to support learners in preparing for their progress reviews",
            "Our ILP process is accessible to learners with low literacy levels",
            "Our ILP process is accessible for learners with learning difficulties or "
            "disabilities",
        ],
    ),
]


def create(apps, schema_editor):
    PlanTemplate = apps.get_model("careersplan", "PlanTemplate")
    TemplateSection = apps.get_model("careersplan", "TemplateSection")
    TemplateRow = apps.get_model("careersplan", "TemplateRow")
    ChecklistItem = apps.get_model("careersplan", "ChecklistItem")

    kent = PlanTemplate.objects.create(
        kind="careers_plan", name=KENT_NAME, version=1, owner=None, is_published=True,
        source="Kent CEIAG Steering Group, Kent Annual Careers Plan",
        rag_red_max=10, rag_amber_max=15,
    )
    for position, (group, title, rows, indicators) in enumerate(KENT_SECTIONS, start=1):
        section = TemplateSection.objects.create(
            template=kent, position=position, group=group, title=title,
            evidence_indicators=indicators,
        )
        TemplateRow.objects.bulk_create(
            TemplateRow(section=section, position=i, label=label, aims=aims)
            for i, (label, aims) in enumerate(rows, start=1)
        )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=kent, number=n, text=text,
                      is_governing_body_approval=(n == GOVERNING_BODY_ITEM))
        for n, text in enumerate(KENT_CHECKLIST, start=1)
    )

    ilp = PlanTemplate.objects.create(
        kind="ilp_checklist", name=ILP_NAME, version=1, owner=None, is_published=True,
        source="Individual learning plans in Foundation Learning at Key Stage 4, section 5",
    )
    for position, (title, statements) in enumerate(ILP_GROUPS, start=1):
        section = TemplateSection.objects.create(template=ilp, position=position, title=title)
        TemplateRow.objects.bulk_create(
            TemplateRow(section=section, position=i, label=text)
            for i, text in enumerate(statements, start=1)
        )


def remove(apps, schema_editor):
    PlanTemplate = apps.get_model("careersplan", "PlanTemplate")
    PlanTemplate.objects.filter(owner=None, name__in=[KENT_NAME, ILP_NAME], version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("careersplan", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
