# Warning flags shared by every target of the suite (g++ 12 and clang 14 build clean).
add_library(suite_warnings INTERFACE)
target_compile_options(suite_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
  $<$<CXX_COMPILER_ID:Clang>:-Wno-shadow-field-in-constructor>
  $<$<BOOL:${SUITE_WERROR}>:-Werror>)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang has no -Wshadow=local; use its closest equivalent.
  target_compile_options(suite_warnings INTERFACE -Wno-unknown-warning-option)
endif()
