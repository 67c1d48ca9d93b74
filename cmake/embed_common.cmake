# Helpers of the embed_*.cmake scripts (included by them; they run with cmake -P).

# embed_bytes(FILE BYTES_VAR SIZE_VAR): FILE's content as a C array initializer ("0x12,0x34,")
# and its size in bytes.
function(embed_bytes file bytes_var size_var)
  file(READ ${file} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR size "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  set(${bytes_var} "${bytes}" PARENT_SCOPE)
  set(${size_var} ${size} PARENT_SCOPE)
endfunction()

# write_if_changed(OUT BODY): rewrites OUT only when BODY differs, so an unchanged input
# recompiles nothing.
function(write_if_changed out body)
  if(EXISTS ${out})
    file(READ ${out} old)
    if(old STREQUAL body)
      return()
    endif()
  endif()
  file(WRITE ${out} "${body}")
endfunction()
