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
e2e_program(variants VERSIONS v1 v2)
e2e_patch(variants v1 v2 -f _Z4pickB5cxx11b)

e2e_program(containers VERSIONS v1 v2)
e2e_patch(containers v1 v2 -f add_words -f dump)

e2e_program(threads VERSIONS v1 v2)
e2e_patch(threads v1 v2 -f work)

e2e_program(linkage VERSIONS v1 v2)
e2e_patch(linkage v1 v2 -f report)

e2e_program(clones VERSIONS v1 v2)
# GCC specializes scale (scale.constprop.0, carried with its callers); Clang keeps it whole.
e2e_patch(clones v1 v2 -f api1 -f api2 -f scale)

e2e_program(types VERSIONS v1 v2 v3)
e2e_type_patch(types v1 v2)
e2e_type_patch(types v2 v3)

# A thread parked in the cold part of a clone whose root GCC removed.
e2e_program(clonepark VERSIONS v1 v2)
e2e_type_patch(clonepark v1 v2)

# Members of unchanged types carried whole, which release 2 points at its own code.
e2e_program(hooks VERSIONS v1 v2)
e2e_type_patch(hooks v1 v2)

e2e_program(active VERSIONS v1 v2)
e2e_patch(active v1 v2 -f spin -f release)

e2e_program(layout VERSIONS v1 v2 v3)
e2e_patch(layout v1 v2 -f grow)
e2e_patch(layout v2 v3 -f read_value)

# Five stacked patches over units that throw and catch through patched and unpatched
# frames; the fourth brings new data whose initializer touches a global another unit of
# the patch writes (Clang reaches it through the GOT from both).
e2e_program(chain VERSIONS v1 v2 v3 v4 v5 v6)
e2e_patch(chain v1 v2 -f parse)
e2e_patch(chain v2 v3 -f attempt)
e2e_patch(chain v3 v4 -f parse -f relay)
e2e_patch(chain v4 v5 -f attempt -f bump -s totals.cpp)
e2e_patch(chain v5 v6 -f parse -f attempt)

# Every release changes main(), which GCC places in .text.startup beside the initializers.
e2e_program(startup OWN_MAIN VERSIONS v1 v2 v3 v4)
e2e_patch(startup v1 v2 -f main -f serve)
e2e_patch(startup v2 v3 -f main -f serve)
e2e_patch(startup v3 v4 -f main -f serve)

# Addresses of functions taken by old and new code compare equal, across patches and reverts.
e2e_program(identity VERSIONS v1 v2 v3)
e2e_patch(identity v1 v2 -f callback -f file_callback -f compare)
e2e_patch(identity v2 v3 -f compare -f file_callback_address)

# A class gains a virtual function: its vtable changes shape, which no patch may bind over.
e2e_program(virtuals VERSIONS v1 v2)
e2e_pack_patch(virtuals v1 v2 -f describe)

# Failure injection (the program's own mprotect) and static initializers with side effects.
e2e_program(faults VERSIONS v1 v2 v3)
e2e_patch(faults v1 v2 -f work)
e2e_patch(faults v1 v3 -f work)

# Symbols of other kinds the patch reaches: a shared library's thread-locals, an ifunc,
# the size of an undefined symbol, data aligned above a page, a name shared by a
# file-static and the C library.
e2e_program(extlink VERSIONS v1 v2)
e2e_patch(extlink v1 v2 -f once_value -f probe)

# Threads blocked in calls the kernel does not restart while patches apply.
e2e_program(blocking VERSIONS v1 v2)
e2e_patch(blocking v1 v2 -f work)

# Pointers into a reverted patch keep its memory; once they are gone, it is given back.
e2e_program(retained VERSIONS v1 v2)
e2e_patch(retained v1 v2 -f set)

# From a hostile review: each of these crashed, hung or was refused wrongly.
# A changed constructor, whose C1 and C2 names share one entry.
e2e_program(ctor VERSIONS v1 v2)
e2e_patch(ctor v1 v2 -f _ZN7CounterC2Ev -f _ZN7CounterC1Ev)
# A static initializer reads a bound datum that holds a pointer.
e2e_program(shadowrel VERSIONS v1 v2)
e2e_patch(shadowrel v1 v2 -f prefix_length)
# An unchanged class with a virtual base (a VTT and construction vtables) in a patched unit.
e2e_program(vbase VERSIONS v1 v2)
e2e_patch(vbase v1 v2 -f _Z6answerv)
# Pointers into a reverted patch where reclamation must look: a heap object below a
# fiber's stack, callee-saved registers of the reverting thread and of a blocked thread.
e2e_program(fiber VERSIONS v1 v2)
e2e_patch(fiber v1 v2 -f set)
e2e_program(regkeep VERSIONS v1 v2)
e2e_patch(regkeep v1 v2 -f message)
e2e_program(blockedreg VERSIONS v1 v2)
e2e_patch(blockedreg v1 v2 -f message)
# A thread with every signal blocked runs in a reverted patch.
e2e_program(sigblock VERSIONS v1 v2)
e2e_patch(sigblock v1 v2 -f work)
# From a second review: an initializer copies a bound pointer into new data; a helper only
# an initializer calls changes in a release that adds data.
e2e_program(r2shadowptr VERSIONS v1 v2)
e2e_patch(r2shadowptr v1 v2 -f bump)
e2e_program(r2inithelper VERSIONS v1 v2)
e2e_patch(r2inithelper v1 v2 -f get)
# Threads in pause() and sleep(), which any handler ends; a fiber on a small stack; a
# program signal handler that moves a pointer while reclamation scans.
e2e_program(r2pause VERSIONS v1 v2)
e2e_patch(r2pause v1 v2 -f work)
e2e_program(r2smallstack VERSIONS v1 v2)
e2e_patch(r2smallstack v1 v2 -f work)
e2e_program(r2sigpark VERSIONS v1 v2)
e2e_patch(r2sigpark v1 v2 -f set)
# From a third review: a function-local static in a reverted patch applied again; a patch
# linked on top of another keeps it from being reclaimed.
e2e_program(r3localstatic VERSIONS v1 v2)
e2e_patch(r3localstatic v1 v2 -f work)
e2e_program(r3chain VERSIONS v1 v2 v3)
e2e_patch(r3chain v1 v2 -f probe)
e2e_patch(r3chain v2 v3 -f spin)

# Live type updates: a global struct changes while threads use it; the transform files are
# the generated one with the renamed member edited by hand, and two that refuse.
e2e_program(bank VERSIONS v1 v2)
e2e_type_patch(bank v1 v2)
e2e_transform_patch(bank v1 v2 transform.cpp v1-v2.edited)
e2e_transform_patch(bank v1 v2 refusing_transform.cpp v1-v2.refusing)
e2e_transform_patch(bank v1 v2 throwing_transform.cpp v1-v2.throwing)
e2e_transform_patch(bank v1 v2 forward_only_transform.cpp v1-v2.forward-only)
# Maps keyed by a class release 2 changes: the generated file moves them (revert refuses,
# the old key has no order here); the edited one orders and hashes the old key, so revert works.
e2e_program(catalog VERSIONS v1 v2)
e2e_type_patch(catalog v1 v2)
e2e_transform_patch(catalog v1 v2 transform.cpp v1-v2.edited)

# Heap state in namespaces, behind containers and pointers, declared in the program's header
# (the generated transform file includes it).
e2e_program(sessions VERSIONS v1 v2 v3)
e2e_type_patch(sessions v1 v2)
e2e_type_patch(sessions v2 v3)
# Objects that raw pointers own together (counted by hand): the generated transform file
# forwards the pointers and so is refused at apply (nothing migrates the blobs); the edited
# one migrates each blob once for all its owners (hotswap::migrate_once), and one refuses
# after building them all.
e2e_program(counted VERSIONS v1 v2)
e2e_type_patch(counted v1 v2)
e2e_transform_patch(counted v1 v2 transform.cpp v1-v2.edited)
e2e_transform_patch(counted v1 v2 refusing_transform.cpp v1-v2.refusing)
# Bases, bit-fields, enums, unions, and every standard container of a changed class.
e2e_program(forms VERSIONS v1 v2)
e2e_type_patch(forms v1 v2)
# Classes with virtual functions: a global by value and objects behind unique_ptr, rebuilt
# with the new release's vtable; a derived object behind a base pointer refuses.
e2e_program(shapes VERSIONS v1 v2)
e2e_type_patch(shapes v1 v2)

# Arrays that grew: unwritten, they take the new initial value; written, they move element
# by element, and back (the elements only the new one has are dropped).
e2e_program(tables VERSIONS v1 v2)
e2e_type_patch(tables v1 v2)

# A C program on the C API: a code change and a C struct that changes type.
e2e_program(capi OWN_MAIN VERSIONS v1 v2)
e2e_type_patch(capi v1 v2)

# Processes of a build of their own, reached all at once by `apply --all` (trust_test.cc)
# and by the Ansible role (ansible_test.sh).
e2e_program(fleet VERSIONS v1 v2)
e2e_patch(fleet v1 v2 -f compute -f handle)
e2e_program(rollout VERSIONS v1 v2)
e2e_patch(rollout v1 v2 -f compute -f handle)
# A trust policy given to hotswap::start() by the program itself (trust_test.cc).
e2e_program(startopts OWN_MAIN VERSIONS v1 v2)
e2e_patch(startopts v1 v2 -f compute)
