# The fuzz build (docs/fuzzing.md), included by the top-level CMakeLists.txt when HOTSWAP_FUZZ
# is ON. Everything compiled below gets libFuzzer's coverage instrumentation, AddressSanitizer
# and UndefinedBehaviorSanitizer; only the fuzz targets (fuzz/CMakeLists.txt) and what they
# link are built, and only they are tested. The main build stays GCC and uninstrumented.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "HOTSWAP_FUZZ needs clang and its libFuzzer (libclang-rt-14-dev): "
                      "configure with -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
endif()

# A sanitizer report stops the process (no recovery), so the run and its test fail on it.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)

set(HOTSWAP_FUZZ_SECONDS 30 CACHE STRING "How long each fuzz test (fuzz.NAME) runs")
set(HOTSWAP_FUZZ_RUNNER ${PROJECT_SOURCE_DIR}/fuzz/run-fuzzer)
set(HOTSWAP_FUZZ_CORPORA ${PROJECT_SOURCE_DIR}/fuzz/corpus)

# hotswap_add_fuzzer(NAME SOURCES file... [LIBRARIES target...] [CORPUS dir] [ARGS flag...])
#
# SOURCES define LLVMFuzzerTestOneInput and are linked with LIBRARIES into the fuzzer
# <build>/fuzz/NAME. CORPUS (default fuzz/corpus/NAME; relative to the calling directory)
# holds the seed inputs; it must exist and is only ever read. ARGS are libFuzzer flags for
# every run (-max_len=, -dict=...).
# Each target gets
#   <build>/fuzz/run-NAME [--fresh] WORKDIR SECONDS   runs it (fuzz/run-fuzzer), used by
#                                                   scripts/fuzz NAME [SECONDS]
#   the test fuzz.NAME: HOTSWAP_FUZZ_SECONDS on a fresh copy of the seeds; any crash, leak,
#                       sanitizer report or slow input fails it.
function(hotswap_add_fuzzer name)
  cmake_parse_arguments(PARSE_ARGV 1 FUZZ "" "CORPUS" "SOURCES;LIBRARIES;ARGS")
  if(FUZZ_UNPARSED_ARGUMENTS OR NOT FUZZ_SOURCES)
    message(FATAL_ERROR "hotswap_add_fuzzer(${name} SOURCES ... [LIBRARIES ...] [CORPUS dir] "
                        "[ARGS ...]): unexpected '${FUZZ_UNPARSED_ARGUMENTS}' or no SOURCES")
  endif()
  if(NOT FUZZ_CORPUS)
    set(FUZZ_CORPUS ${HOTSWAP_FUZZ_CORPORA}/${name})
  endif()
  get_filename_component(corpus "${FUZZ_CORPUS}" ABSOLUTE)
  if(NOT IS_DIRECTORY "${corpus}")
    message(FATAL_ERROR "hotswap_add_fuzzer(${name}): no seed corpus at ${corpus}")
  endif()

  add_executable(fuzz_${name} ${FUZZ_SOURCES})
  target_link_libraries(fuzz_${name} PRIVATE ${FUZZ_LIBRARIES})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_${name} PROPERTIES OUTPUT_NAME ${name}
                                                RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)

  # The launcher: the target with its seeds and flags, for the test and for scripts/fuzz.
  set(launcher ${CMAKE_BINARY_DIR}/fuzz/run-${name})
  set(command "exec \"${HOTSWAP_FUZZ_RUNNER}\" \"$@\" \"$<TARGET_FILE:fuzz_${name}>\" \"${corpus}\"")
  foreach(arg IN LISTS FUZZ_ARGS)
    string(APPEND command " \"${arg}\"")
  endforeach()
  file(GENERATE OUTPUT ${launcher}
       CONTENT "#!/bin/sh\n# run-${name} [--fresh] WORKDIR SECONDS (fuzz/run-fuzzer)\n${command}\n"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)

  add_test(NAME fuzz.${name}
           COMMAND ${launcher} --fresh ${CMAKE_BINARY_DIR}/fuzz/${name}.test ${HOTSWAP_FUZZ_SECONDS})
  math(EXPR timeout "${HOTSWAP_FUZZ_SECONDS} + 120")
  set_tests_properties(fuzz.${name} PROPERTIES TIMEOUT ${timeout} LABELS fuzz)
endfunction()
