# embed.cmake - turn a binary file into a C source defining a byte array.
# Usage: cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
# Portable (no xxd, no "ld -b binary"), so the same build works on Linux, macOS and Windows.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
file(WRITE "${OUT}" "/* generated from ${IN} by cmake/embed.cmake: do not edit */\n"
  "#include <stddef.h>\n#include <stdint.h>\n"
  "const uint8_t ${NAME}[] = {\n${body}0};\n"
  "const size_t ${NAME}_len = ${bytes};\n")
