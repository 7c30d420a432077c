# METADATA
# title: Vocabulary of the region
# description: Roles per organisation type, and the statutory tasks that give a basis without consent.
package inbeeld.vocabulary

roles := {
	"school": {"zorgcoordinator", "intern-begeleider", "verzuimadministratie", "privacy-officer"},
	"ggd": {"jeugdarts", "jeugdverpleegkundige", "privacy-officer"},
	"leerplicht": {"leerplichtambtenaar", "privacy-officer"},
	"jeugdteam": {"jeugdprofessional", "teammanager", "privacy-officer"},
	"swv": {"consulent", "interventieteam", "privacy-officer"},
	"save": {"jeugdbeschermer", "privacy-officer"},
	"rvdk": {"raadsonderzoeker", "privacy-officer"},
	"regio": {"regiobeheerder", "privacy-officer"},
}

# Statutory tasks: organisation type -> purpose -> legal basis.
statutory := {
	"leerplicht": {"leerplicht-handhaving": "leerplichtwet"},
	"save": {"jeugdbescherming": "bw-1-jeugdbescherming"},
	"rvdk": {"jeugdbescherming": "bw-1-jeugdbescherming"},
}

# The signal that a partner is involved (Verwijsindex) rests on the Jeugdwet, not on consent.
signal_basis := "jeugdwet-7.1.1-verwijsindex"

# Purposes for which, with joint custody, the consent of one parent suffices (a region's own choice: for
# everyday matters one parent may act, BW 1:247; for weighty ones both must). Empty: both parents, always.
one_custodian_suffices := set()
