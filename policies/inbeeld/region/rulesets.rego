# METADATA
# title: The regions' rule sets for attendance status and escalation clocks
# description: |
#   Data, read by the gateway's status engine and by the policies. Every change gets a new `version`;
#   the version that produced a status is stored with it. Numbers from the regions' agreements
#   (Thuiszittersaanpak Utrecht VO, Thuiszitterspact, Lekstroom, Utrecht jeugdhulp).
package inbeeld.region

_utrecht := {
	"version": "utrecht-2026.2",
	# Leerplichtwet art. 21a: report relatief verzuim of 16 hours in 4 school weeks.
	"report_hours": 16,
	"report_window_days": 28,
	# A school day counts as fully missed at this many unauthorised hours.
	"full_day_hours": 5,
	# A run of fully missed school days this long makes a threatening thuiszitter (the clocks start).
	"threatening_school_days": 5,
	# Enrolled and absent without permission for more than four weeks.
	"thuiszitter_after_days": 28,
	# Utrecht also counts four-year-olds who are not enrolled.
	"four_year_olds": true,
	# Zorgwekkend ziekteverzuim (M@ZL): 4 sick reports in 12 school weeks, or more than 6 school days in a row.
	"sick_reports": 4,
	"sick_window_days": 84,
	"sick_school_days": 6,
	"clocks": {
		"actietafel_working_days": 5,
		"teammanagers_weeks": 8,
		"interventieteam_weeks": 10,
		"plan_days": 2,
		"solution_working_days": 10,
		"target_months": 3,
		"region_target_weeks": null,
		"alternative_days": 14,
		"reassessment_notice_days": 30,
		"target_notice_days": 14,
		# A young person not enrolled again by 1 October after leaving without a startkwalificatie: the RMC
		# makes contact within this many working days.
		"rmc_contact_working_days": 10,
	},
	# The party with doorzettingsmacht (the organisation type whose binding decision is recorded).
	"doorzettingsmacht": "swv",
}

rulesets := {
	"utrecht": _utrecht,
	"lekstroom": object.union(_utrecht, {
		"version": "lekstroom-2026.2",
		"four_year_olds": false,
		"clocks": object.union(_utrecht.clocks, {"region_target_weeks": 6}),
	}),
}
