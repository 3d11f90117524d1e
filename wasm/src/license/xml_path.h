// The xml unwrapper: a small, strict XML reader (elements, attributes, text, CDATA, comments,
// processing instructions; no DOCTYPE, so no entity expansion) that returns the text of one
// element. inputstream.adaptive takes an XPath here; we take the subset license servers need.
#pragma once

#include <string>

#include "base/status.h"

namespace wee::license {

// Text of the first element `path` names, whitespace-trimmed: "/a/b/c" walks from the root
// element, a bare name ("License") matches anywhere. A path segment without a ':' compares
// with the local name (namespace prefixes ignored), one with a ':' with the qualified name.
// Malformed XML fails with the byte offset; NotFound lists the element names seen.
Result<std::string> FindXmlText(const std::string& xml, const std::string& path,
                                const std::string& what);

}  // namespace wee::license
