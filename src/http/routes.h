// The routes of docs/HTTP.md, one group a file. Each adds its handlers to `server`; they work on
// `ctx`, which must outlive the server.
#pragma once

#include <httplib.h>

#include "http/context.h"

namespace mnemos::http {

void add_stream_routes(httplib::Server& server, Context& ctx);  // /streams, /streams/{stream}[/metadata]
void add_all_routes(httplib::Server& server, Context& ctx);     // /all
void add_admin_routes(httplib::Server& server, Context& ctx);   // /stats, /health/*, /metrics
void add_asset_routes(httplib::Server& server, Context& ctx);   // everything else under GET: the web UI

}  // namespace mnemos::http
