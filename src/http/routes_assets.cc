// Every other GET: the web UI's files, built into the binary by src/web (mnemos_web) when that
// target exists; else 404 like any unknown route.
#include "http/request.h"
#include "http/routes.h"

#ifdef MNEMOS_HAVE_WEB
#include "web/assets.h"
#endif

namespace mnemos::http {

void add_asset_routes(httplib::Server& server, Context&) {
  server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
#ifdef MNEMOS_HAVE_WEB
    if (const web::Asset* asset = web::find_asset(req.path)) {
      res.status = 200;
      res.set_content(std::string(asset->body), std::string(asset->content_type));
      return;
    }
#endif
    send_no_route(req, res);
  });
}

}  // namespace mnemos::http
