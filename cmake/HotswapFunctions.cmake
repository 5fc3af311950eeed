# hotswap_add_executable(NAME [SOURCE_ROOT DIR] sources...)
#
# Builds NAME as an updateable program (docs/ARCHITECTURE.md, "Compiling to be updateable"):
# patchable entries, one section per function and per datum, the runtime linked, and the
# build record NAME.hotswap.json written next to the binary after each link.
#
# SOURCE_ROOT (default: the calling directory) is stripped from the file names recorded in
# the objects, so that file-local symbols keep one identity ("net.cpp", "src/net.cpp")
# across releases built from different checkouts.
set_property(GLOBAL PROPERTY HOTSWAP_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(hotswap_add_executable name)
  cmake_parse_arguments(PARSE_ARGV 1 HS "" "SOURCE_ROOT" "")
  add_executable(${name} ${HS_UNPARSED_ARGUMENTS})
  hotswap_make_updateable(${name} SOURCE_ROOT "${HS_SOURCE_ROOT}")
endfunction()

# hotswap_make_updateable(TARGET [SOURCE_ROOT DIR]): the same for an existing executable.
function(hotswap_make_updateable name)
  cmake_parse_arguments(PARSE_ARGV 1 HS "" "SOURCE_ROOT" "")
  if(NOT HS_SOURCE_ROOT)
    set(HS_SOURCE_ROOT ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  get_filename_component(root "${HS_SOURCE_ROOT}" ABSOLUTE)
  set(flags -g -ffunction-sections -fdata-sections -fpatchable-function-entry=16,14
            -fno-lto "-ffile-prefix-map=${root}/=")
  # GCC's identical-code folding makes two functions share one entry; redirecting one
  # would redirect both.
  list(APPEND flags $<$<CXX_COMPILER_ID:GNU>:-fno-ipa-icf>)
  target_compile_options(${name} PRIVATE ${flags})
  set_target_properties(${name} PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
  get_property(cmake_dir GLOBAL PROPERTY HOTSWAP_CMAKE_DIR)
  target_link_options(${name} PRIVATE -Wl,--build-id=sha1 "-Wl,-T,${cmake_dir}/hotswap-link.ld")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${cmake_dir}/hotswap-link.ld")
  target_link_libraries(${name} PRIVATE hotswap::runtime)
  string(TOUPPER "${CMAKE_BUILD_TYPE}" config)
  set(all_flags "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${config}}")
  # What a transform file needs to include the program's headers (docs/type-updates.md).
  set(includes "$<TARGET_PROPERTY:${name},INCLUDE_DIRECTORIES>")
  set(defines "$<TARGET_PROPERTY:${name},COMPILE_DEFINITIONS>")
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND hotswap::hotswap record
            --binary $<TARGET_FILE:${name}>
            --compiler "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}"
            --flags "${all_flags}"
            --source-root "${root}"
            "$<$<BOOL:${includes}>:--include-dir=$<JOIN:${includes},;--include-dir=>>"
            "$<$<BOOL:${defines}>:--define=$<JOIN:${defines},;--define=>>"
            --objects $<TARGET_OBJECTS:${name}>
    COMMAND_EXPAND_LISTS VERBATIM)
endfunction()
