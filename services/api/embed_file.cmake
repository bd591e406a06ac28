# Writes a C++ source defining `std::string_view <NAME>()` with the bytes of INPUT (cmake -P).
# Bytes, not a raw string literal: the file may hold any delimiter.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" len)
math(EXPR size "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT_NAME} at build time; do not edit.\n"
  "#include <string_view>\n"
  "namespace madoguchi::api::embedded {\n"
  "static const char kBytes[${size} + 1] = {${bytes} 0};\n"
  "std::string_view ${NAME}() { return {kBytes, ${size}}; }\n"
  "}  // namespace madoguchi::api::embedded\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
