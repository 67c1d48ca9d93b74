#pragma once
// Sanitises text/html chat messages to a small allowlist before they are stored or delivered,
// so a visitor cannot run script in an agent's console (or the reverse).
//
// Why no library: Debian 12 has no maintained C++ HTML sanitiser (libxml2's HTML parser
// reshapes markup and knows nothing of safety; gumbo is a parser only and unmaintained), and
// chat messages need a dozen tags. A tokenizer-level allowlist is small enough to read whole:
// everything not listed is dropped, attribute values are entity-decoded before their URLs are
// judged, and the output is re-serialised by us (quoted, escaped, tags balanced), so what the
// browser parses is what we checked.
//
// Kept: b strong i em u s sub sup br p div span blockquote code pre ul ol li h1-h6 hr a img.
//   a:   href (http, https, mailto), title; rel="nofollow noopener noreferrer" is added.
//   img: src (https, or data:image/png|gif|jpeg|webp;base64), alt, width, height.
// Dropped with their content: script style iframe object embed noscript template textarea
//   title xmp noembed noframes svg math select option frameset applet head plaintext listing.
// Dropped, content kept as text: every other tag. Comments, doctypes, CDATA: dropped.
#include <string>
#include <string_view>

namespace carebridge::platform {

// `html` must be valid UTF-8 (the API checks); the result is valid UTF-8 too.
std::string sanitize_html(std::string_view html);

}  // namespace carebridge::platform
