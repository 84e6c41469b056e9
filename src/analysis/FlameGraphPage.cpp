#include "analysis/FlameGraphPage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "analysis/JsonText.hpp"

// Generated at build time from flamegraph.html (cmake/EmbedAsset.cmake).
extern const char ariadne_flamegraph_html[];
extern const std::size_t ariadne_flamegraph_html_size;

namespace ariadne::analysis {
namespace {

constexpr std::string_view kDataMarker = "\"@ARIADNE_DATA@\"";
constexpr std::string_view kTitleMarker = "@ARIADNE_TITLE@";

std::string html_escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string_view flame_graph_template() { return {ariadne_flamegraph_html, ariadne_flamegraph_html_size}; }

bool write_flame_graph_page(const CallTree& tree, const FlameGraphOptions& options, std::FILE* out) {
  const auto& nodes = tree.nodes();
  const double root_total = static_cast<double>(nodes[CallTree::kRoot].total_ns);
  const double min_total = root_total * options.min_fraction;

  // Kept nodes, renumbered; a node is kept when its parent is and it is wide
  // enough (processes and threads always). Parents come before children.
  std::vector<std::uint32_t> new_index(nodes.size(), UINT32_MAX);
  std::vector<std::uint32_t> name_index(tree.names().size(), UINT32_MAX);
  std::vector<std::uint32_t> kept_names;
  std::string data = "{\"nodes\":[";
  std::uint32_t kept = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    if (i != CallTree::kRoot) {
      if (new_index[n.parent] == UINT32_MAX) continue;
      if (n.depth > 2 && static_cast<double>(n.total_ns) < min_total) continue;
    }
    if (name_index[n.name] == UINT32_MAX) {
      name_index[n.name] = static_cast<std::uint32_t>(kept_names.size());
      kept_names.push_back(n.name);
    }
    new_index[i] = kept;
    // name, parent, calls, total ns, self ns
    data += fmt::format("{}{},{},{},{},{}", kept == 0 ? "" : ",", name_index[n.name],
                        i == CallTree::kRoot ? 0 : new_index[n.parent], n.calls, n.total_ns, n.self_ns);
    if (++kept % 16 == 0) data += '\n';
  }
  data += "],\n\"names\":[";
  for (std::size_t i = 0; i < kept_names.size(); ++i) {
    if (i != 0) data += i % 8 == 0 ? ",\n" : ",";
    append_json_string(data, tree.names()[kept_names[i]]);
  }
  data +=
      fmt::format("],\"omitted\":{},\"min_percent\":{}}}", nodes.size() - kept, options.min_fraction * 100);

  // Markers are found in the template only, never in what replaced them.
  const std::string_view page = flame_graph_template();
  const std::string title = html_escaped(options.title);
  std::string out_text;
  out_text.reserve(page.size() + data.size());
  for (std::size_t at = 0; at < page.size();) {
    const std::size_t title_at = page.find(kTitleMarker, at), data_at = page.find(kDataMarker, at);
    const std::size_t next = std::min(title_at, data_at);
    out_text.append(page.substr(at, next == std::string_view::npos ? page.size() - at : next - at));
    if (next == std::string_view::npos) break;
    out_text += next == title_at ? title : data;
    at = next + (next == title_at ? kTitleMarker.size() : kDataMarker.size());
  }
  bool ok = std::fwrite(out_text.data(), 1, out_text.size(), out) == out_text.size();
  ok &= std::fflush(out) == 0;
  return ok;
}

}  // namespace ariadne::analysis
