# The end-to-end programs and the patches made from their versions. A caller that inlined a
# changed function is named too: `hotswap pack` carries only what it is told changed.
e2e_program(basic VERSIONS v1 v2 v3)
e2e_patch(basic v1 v2 -f compute -f handle)
e2e_patch(basic v2 v3 -f compute -f handle)

e2e_program(calls VERSIONS v1 v2)
e2e_patch(calls v1 v2 -f transform -f Square::area -f compare_ints)

e2e_program(state VERSIONS v1 v2)
e2e_patch(state v1 v2 -f step -f bump)

e2e_program(inline_header VERSIONS v1 v2)
e2e_patch(inline_header v1 v2 -f scale_a -f scale_b)

e2e_program(data VERSIONS v1 v2)
e2e_patch(data v1 v2 -f greeting -f classify -f feature)

e2e_program(exceptions VERSIONS v1 v2)
e2e_patch(exceptions v1 v2 -f risky -f catch_old)

e2e_program(containers VERSIONS v1 v2)
e2e_patch(containers v1 v2 -f add_words -f dump)

e2e_program(threads VERSIONS v1 v2)
e2e_patch(threads v1 v2 -f work)

e2e_program(linkage VERSIONS v1 v2)
e2e_patch(linkage v1 v2 -f report)

e2e_program(clones VERSIONS v1 v2)
# GCC specializes scale (scale.constprop.0, carried with its callers); Clang keeps it whole.
e2e_patch(clones v1 v2 -f api1 -f api2 -f scale)

e2e_program(types VERSIONS v1 v2)
e2e_type_patch(types v1 v2)

e2e_program(active VERSIONS v1 v2)
e2e_patch(active v1 v2 -f spin -f release)

e2e_program(layout VERSIONS v1 v2 v3)
e2e_patch(layout v1 v2 -f grow)
e2e_patch(layout v2 v3 -f read_value)
