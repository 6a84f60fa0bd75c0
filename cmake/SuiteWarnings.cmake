# Warning flags shared by every target of the suite (g++ 12 and clang 14 build clean).
add_library(suite_warnings INTERFACE)
target_compile_options(suite_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
  $<$<CXX_COMPILER_ID:Clang>:-Wno-shadow-field-in-constructor>
  $<$<BOOL:${SUITE_WERROR}>:-Werror>)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND SUITE_WERROR)
  # g++ 12's flow-sensitive warnings report std::optional/std::string internals as possibly
  # uninitialized or overlapping after inlining, more so under the sanitizers (GCC bugs 105562,
  # 105329). They stay visible as warnings but do not fail the build.
  target_compile_options(suite_warnings INTERFACE -Wno-error=maybe-uninitialized -Wno-error=restrict)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang has no -Wshadow=local; use its closest equivalent.
  target_compile_options(suite_warnings INTERFACE -Wno-unknown-warning-option)
endif()
