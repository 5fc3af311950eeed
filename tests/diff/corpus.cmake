# The builds of the diff corpus, shared by this folder and other_compiler/.
#
# A pair (corpus/<pair>/v1, v2, expected) is built once, with the project's compiler and
# flags, unless corpus/<pair>/builds lists its builds, one a line: a compiler (its CMake id,
# GNU or Clang) and the flags both versions get, e.g. "Clang -O3". Such a build is named
# <pair>_<compiler>_<flags> (literal_offset_Clang_O3); every build of a pair must classify
# as the pair's `expected` says. A version's own `flags` file adds flags to that version.

# diff_corpus_builds(CORPUS OUT): the builds, as "name|pair|compiler|flags" entries
# (compiler "" for the project's compiler).
function(diff_corpus_builds corpus out)
  file(GLOB pairs RELATIVE ${corpus} CONFIGURE_DEPENDS ${corpus}/*)
  set(builds "")
  foreach(pair IN LISTS pairs)
    if(NOT IS_DIRECTORY ${corpus}/${pair})
      continue()
    endif()
    if(NOT EXISTS ${corpus}/${pair}/builds)
      list(APPEND builds "${pair}|${pair}||")
      continue()
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${corpus}/${pair}/builds)
    file(STRINGS ${corpus}/${pair}/builds lines REGEX "^[A-Za-z]")
    foreach(line IN LISTS lines)
      string(REGEX MATCH "^([A-Za-z]+)[ \t]*(.*)$" matched "${line}")
      set(compiler "${CMAKE_MATCH_1}")
      set(flags "${CMAKE_MATCH_2}")
      string(REGEX REPLACE "[^A-Za-z0-9]+" "_" tag "${compiler} ${flags}")
      string(REGEX REPLACE "_$" "" tag "${tag}")
      list(APPEND builds "${pair}_${tag}|${pair}|${compiler}|${flags}")
    endforeach()
  endforeach()
  set(${out} ${builds} PARENT_SCOPE)
endfunction()

# diff_corpus_parse(ENTRY): sets build_name, build_pair, build_compiler and build_flags.
function(diff_corpus_parse entry)
  string(REGEX MATCH "^([^|]*)[|]([^|]*)[|]([^|]*)[|](.*)$" matched "${entry}")
  set(build_name "${CMAKE_MATCH_1}" PARENT_SCOPE)
  set(build_pair "${CMAKE_MATCH_2}" PARENT_SCOPE)
  set(build_compiler "${CMAKE_MATCH_3}" PARENT_SCOPE)
  set(build_flags "${CMAKE_MATCH_4}" PARENT_SCOPE)
endfunction()

# diff_corpus_add(CORPUS ROOT NAME PAIR FLAGS): targets diff_corpus_<NAME>_v1 and _v2, the
# pair's versions built with this project's compiler as ROOT/corpus/<NAME>/<version>/prog.
function(diff_corpus_add corpus root name pair flags)
  separate_arguments(build_options UNIX_COMMAND "${flags}")
  foreach(version v1 v2)
    set(dir ${corpus}/${pair}/${version})
    set(target diff_corpus_${name}_${version})
    # Sources may sit in src/ below the version's directory, as a real tree has them.
    file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp ${dir}/*.c ${dir}/src/*.cpp ${dir}/src/*.c)
    # SOURCE_ROOT is the version's directory, so both versions record "main.cpp".
    hotswap_add_executable(${target} SOURCE_ROOT ${dir} ${sources})
    set_target_properties(${target} PROPERTIES OUTPUT_NAME prog
      RUNTIME_OUTPUT_DIRECTORY ${root}/corpus/${name}/${version})
    set(options ${build_options})
    if(EXISTS ${dir}/flags)
      file(STRINGS ${dir}/flags version_options)
      list(APPEND options ${version_options})
    endif()
    target_compile_options(${target} PRIVATE ${options})
  endforeach()
endfunction()
