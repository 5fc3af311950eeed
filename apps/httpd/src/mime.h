// Content-Type by file-name extension.
#pragma once

#include <string_view>

namespace httpd {

// The media type for `path` by its extension (case-insensitive);
// "application/octet-stream" when unknown. The result is a static string.
std::string_view mime_type_for(std::string_view path);

}  // namespace httpd
