"""The careers adviser objectives per target group, word for word from seed 000 ("APPLICATION"),
with each group's key worker. They are the editable defaults a new partnership starts from
(``services.partnership_propose`` copies the lists of the target groups the school has)."""

from learners.choices import TargetGroup

KEY_WORKERS = {
    TargetGroup.YEAR_7: "Form tutor (in consultation, where appropriate, with the Key Stage 3 pastoral lead and the SENCO).",
    TargetGroup.YEAR_8: "Form tutor (in consultation, where appropriate, with the Key Stage 3 pastoral lead and the SENCO).",
    TargetGroup.YEAR_9: "Tutor (in consultation, where appropriate, with EWO, PRU/student support services, social worker).",
    TargetGroup.KEY_STAGE_4: "Tutor (in conjunction where appropriate with EWO, PRU/student support services, youth worker, 'care worker').",
    TargetGroup.POST_16_FULL_TIME: "Tutor (in consultation, where appropriate, with student services, youth worker, probation officer, etc.).",
    TargetGroup.WORK_BASED_TRAINEE: "Training provider or placement supervisor (in consultation, where appropriate, with youth worker, probation officer, etc.).",
    TargetGroup.UNEMPLOYED_YOUNG_PERSON: "New Deal personal adviser, Gateway personal adviser, employment adviser, careers adviser, youth worker, probation officer, social worker, voluntary sector worker.",
    TargetGroup.EMPLOYED_YOUNG_PERSON: "Employer, training manager, personnel manager, supervisor/line manager.",
}

DEFAULT_OBJECTIVES = {
    # Key stage 3 (issue 13) is not in seed 000, which starts at Year 9: these follow its Year 9
    # wording, seed 001 ("some schools use [ILPs] from the beginning of Key Stage 3") and seed
    # 002 ("CEIAG programme in school from year 7-11"). Editable per partnership like the rest.
    TargetGroup.YEAR_7: [
        "Ensure all Year 7 pupils know who their Careers Adviser is and understand his/her role.",
        "Ensure all Year 7 tutors know who the school Careers Adviser(s) is and when to refer to him/her.",
        "Support tutors in starting each pupil's plan at the beginning of Key Stage 3: strengths, interests "
        "and a first long-term goal in the pupil's own words.",
        "Contribute to the school's Year 7 careers education (the world of work, what jobs involve).",
        "Provide individual guidance to those who need it.",
    ],
    TargetGroup.YEAR_8: [
        "Ensure all Year 8 pupils know who their Careers Adviser is and understand his/her role.",
        "Ensure referral system is embedded:\n"
        "- tutors understand when and how to refer to the Careers Adviser;\n"
        "- referral process is written into partnership agreement.",
        "Provide independent careers guidance to Year 8 pupils, in groups and individually, in line with the "
        "school's duty from Year 8 upwards.",
        "Help pupils review their plan's long-term goal before the Year 9 options process.",
        "Provide individual guidance to those who need it.",
        "Follow up and provide feedback to key workers.",
    ],
    TargetGroup.YEAR_9: [
        "Ensure all Year 9 students know who their Careers Adviser is and understand his/her role.",
        "Ensure all Year 9 tutors know who the school Careers Adviser(s) is and understand his/her role.",
        "Ensure referral system is embedded:\n"
        "- tutors understand when and how to refer to the Careers Adviser;\n"
        "- referral process is written into partnership agreement;\n"
        "- understanding when and how to use referral is an objective for tutor INSET;\n"
        "- communications between tutors and Careers Adviser is an agenda item on Year 9 team meeting.",
        "Assist PLP Development Officer/PLP Co-ordinator at PLP assemblies.",
        "Assist PLP Development Officer to deliver PLP tutor training.",
        "Provide individual guidance interview to those who need it.",
        "Follow up and provide feedback to key workers.",
    ],
    TargetGroup.KEY_STAGE_4: [
        "Ensure all Year 10 and Year 11 pupils know who their Careers Adviser is and understand his/her role.",
        "Ensure all KS4 tutors know who the school Careers Adviser is and understand his/her role.",
        "Ensure referral system is embedded:\n"
        "- tutors understand when and how to refer to the Careers Adviser;\n"
        "- referral process is written into partnership agreement;\n"
        "- understanding the referral process is an objective for tutor INSET;\n"
        "- communication between tutors and Careers Adviser is an agenda item on Year 10 and Year 11 team meetings.",
        "Ensure each pupil has access to a group session, the topic to be decided in discussion with the "
        "careers co-ordinator (e.g. JIIG-CAL, work experience, occupational group-work, post-16 options). "
        "Learning objectives to be agreed with the careers co-ordinator. One objective for the group must be "
        "to identify students who are unclear, unfocused or unrealistic and who may need an individual interview.",
        "Provide individual guidance to those who need it.",
        "Integrate individual guidance into PLP/Progress File/RoA processes – i.e. based on previous guidance "
        "and action planning and fed back into the process.",
        "Follow up and provide feedback to key workers.",
        "Provide clinic sessions at appropriate times in school year in negotiation with the careers co-ordinator.",
    ],
    TargetGroup.POST_16_FULL_TIME: [
        "Ensure all students know who the Careers Adviser/s is and understand his/her role.",
        "Ensure all tutors and relevant staff know who the school/college Careers Adviser is and understand his/her role.",
        "Ensure referral system is embedded:\n"
        "- tutors understand when and how to refer to the Careers Adviser;\n"
        "- referral process is written into partnership agreement;\n"
        "- understanding when and how to use referral is an objective for tutor INSET;\n"
        "- communication between tutors and Careers Adviser is an item on relevant agendas.",
        "Ensure each year 12 one-year student has access to a group session, the topic to be decided in "
        "discussion with the careers co-ordinator. Learning objectives to be agreed with careers co-ordinator. "
        "One objective for the group must be to identify students who are unclear, unfocused and may need an "
        "individual interview.",
        "Provide individual guidance to those who need it.",
        "Integrate individual guidance into Progress File/RoA/NRA process – i.e. based on previous guidance "
        "and action planning and fed back into the process.",
        "Follow up and provide feedback to key workers.",
        "Provide clinic sessions at appropriate times in school/college year in negotiation with the careers co-ordinator.",
    ],
    TargetGroup.WORK_BASED_TRAINEE: [
        "Ensure all trainees know who their Careers Adviser is and understand his/her role.",
        "Ensure all training provider staff and work placement supervisors know who their Careers Adviser is "
        "and understand his/her role.",
        "Ensure referral system is embedded:\n"
        "- training providers understand when and how to refer to the Careers Adviser;\n"
        "- referral process written into service-level agreement.",
        "Provide individual guidance to those who need it.",
        "Integrate individual guidance into Progress File/NRA process – i.e. based on previous guidance and "
        "action planning and fed back into the process.",
        "Provide follow up and feedback to key workers.",
    ],
    TargetGroup.UNEMPLOYED_YOUNG_PERSON: [
        "Ensure that individual school and college leavers are followed up and receive appropriate guidance "
        "until settled into a successful opportunity.",
        "Ensure that they are aware of all potential opportunity providers and act as an advocate where "
        "appropriate to facilitate successful placement.",
        "Ensure referral from employment adviser is embedded and that colleagues know when and how to refer "
        "to Careers Adviser.",
        "Provide individual guidance to those who need it.",
        "Ensure familiarity with all other support networks and be able to make and accept appropriate referrals.",
        "Participate in jointly planned activities with partner organisation supporting the unemployed.",
    ],
    TargetGroup.EMPLOYED_YOUNG_PERSON: [
        "Ensure that all young people in employment are aware that they can continue to access the services "
        "of the Careers Service.",
        "Ensure that employers are made aware of the role of Careers Advisers in helping them and their "
        "employees to access appropriate training provision.",
        "Provide ongoing support and advocacy for individuals who wish to engage in training and time off for study.",
        "Provide individual guidance to those who need it.",
        "Integrate guidance into Progress File/RoA and into employers' own training and development programmes "
        "where appropriate.",
        "Provide follow up and feedback to key workers.",
    ],
}

# The six target groups of the Careers Service's statutory client group (seed 000); their
# leavers are followed up until settled (``services.follows_up``).
STATUTORY_GROUPS = [
    TargetGroup.YEAR_9, TargetGroup.KEY_STAGE_4, TargetGroup.POST_16_FULL_TIME, TargetGroup.WORK_BASED_TRAINEE,
    TargetGroup.UNEMPLOYED_YOUNG_PERSON, TargetGroup.EMPLOYED_YOUNG_PERSON,
]
# The groups a partnership proposes objectives for: key stage 3 and the statutory groups.
PARTNERSHIP_GROUPS = list(DEFAULT_OBJECTIVES)

# Seed 000: "The percentages shown for filtered and intensive provision are approximate and will
# depend on the catchment area." The service sets its own; these are starting values.
DEFAULT_EXPECTED_PERCENT = {
    # group: (filtered %, intensive %)
    TargetGroup.YEAR_7: (5, 2),
    TargetGroup.YEAR_8: (8, 3),
    TargetGroup.YEAR_9: (10, 5),
    TargetGroup.KEY_STAGE_4: (25, 10),
    TargetGroup.POST_16_FULL_TIME: (20, 5),
    TargetGroup.WORK_BASED_TRAINEE: (20, 10),
    TargetGroup.UNEMPLOYED_YOUNG_PERSON: (40, 40),
    TargetGroup.EMPLOYED_YOUNG_PERSON: (15, 5),
}
