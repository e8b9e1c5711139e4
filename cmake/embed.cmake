# Turns a file into a C source holding its bytes as a NUL-terminated array:
#   cmake -DIN=app/dashboard.html -DOUT=dashboard.c -DNAME=host_dashboard -P cmake/embed.cmake
# so that pages stay readable files in the tree and are compiled in (no
# files to ship beside the program).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* generated from ${IN} by cmake/embed.cmake */\nconst char ${NAME}[] = {${bytes}0};\n")
