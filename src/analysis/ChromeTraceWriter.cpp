#include "analysis/ChromeTraceWriter.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "analysis/JsonText.hpp"

namespace ariadne::analysis {
namespace {

using tracefile::Event;

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

void append_decimal(std::string& out, std::uint64_t v) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

const char* instant_name(Event e) {
  switch (e) {
    case Event::thread_start:
      return "thread start";
    case Event::thread_exit:
      return "thread exit";
    case Event::fork:
      return "fork";
    case Event::fork_child:
      return "forked";
    case Event::exec:
      return "exec";
    case Event::exec_failed:
      return "exec failed";
    case Event::signal:
      return "signal";
    case Event::lost:
      return "lost events";
    default:
      return nullptr;
  }
}

}  // namespace

ChromeTraceWriter::ChromeTraceWriter(std::FILE* out, std::uint64_t origin_ns)
    : out_(out), origin_ns_(origin_ns) {}

void ChromeTraceWriter::flush_if_full() {
  if (buffer_.size() < (1u << 16)) return;
  ok_ &= std::fwrite(buffer_.data(), 1, buffer_.size(), out_) == buffer_.size();
  buffer_.clear();
}

void ChromeTraceWriter::begin(const tracefile::SessionInfo& session) {
  buffer_ += "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"tool\":\"ariadne\",\"arch\":";
  append_json_string(buffer_, session.arch);
  buffer_ += ",\"command\":";
  append_json_string(buffer_, joined(session.argv));
  buffer_ += "},\n\"traceEvents\":[";
}

void ChromeTraceWriter::event_head(char phase, std::uint64_t ns) {
  if (ns < last_ns_) ns = last_ns_;
  last_ns_ = ns;
  const std::uint64_t rel = ns > origin_ns_ ? ns - origin_ns_ : 0;
  // By hand: this runs twice per call, and fmt's format-string parsing was
  // most of the time of a dump.
  if (events_ != 0) buffer_ += ',';
  buffer_ += "\n{\"ph\":\"";
  buffer_ += phase;
  buffer_ += "\",\"pid\":";
  append_decimal(buffer_, process_ != nullptr ? process_->pid : 0);
  buffer_ += ",\"tid\":";
  append_decimal(buffer_, tid_);
  buffer_ += ",\"ts\":";
  append_decimal(buffer_, rel / 1000);
  const auto frac = static_cast<unsigned>(rel % 1000);
  const char decimals[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                            static_cast<char>('0' + frac % 10)};
  buffer_.append(decimals, 4);
  ++events_;
}

void ChromeTraceWriter::end_event() {
  buffer_ += '}';
  flush_if_full();
}

void ChromeTraceWriter::name_process(std::uint32_t pid, const std::string& name) {
  buffer_ +=
      fmt::format("{}\n{{\"ph\":\"M\",\"pid\":{},\"tid\":0,\"name\":\"process_name\",\"args\":{{\"name\":",
                  events_ == 0 ? "" : ",", pid);
  append_json_string(buffer_, name);
  buffer_ += "}}";
  ++events_;
  flush_if_full();
}

void ChromeTraceWriter::name_thread(std::uint32_t pid, std::uint32_t tid, const std::string& name) {
  buffer_ +=
      fmt::format("{}\n{{\"ph\":\"M\",\"pid\":{},\"tid\":{},\"name\":\"thread_name\",\"args\":{{\"name\":",
                  events_ == 0 ? "" : ",", pid, tid);
  append_json_string(buffer_, name);
  buffer_ += "}}";
  ++events_;
  flush_if_full();
}

const std::string& ChromeTraceWriter::quoted_name(std::uint32_t site) {
  auto it = names_.find(site);
  if (it == names_.end()) it = names_.emplace(site, json_string(process_->site_name(site))).first;
  return it->second;
}

void ChromeTraceWriter::begin_thread(const tracefile::ProcessInfo& p, const tracefile::ThreadInfo& t) {
  if (process_of_names_ != &p) {
    names_.clear();
    process_of_names_ = &p;
  }
  process_ = &p;
  tid_ = t.tid;
  last_ns_ = 0;
  open_.clear();
}

void ChromeTraceWriter::on_enter(const tracefile::Call& c) {
  if (process_ == nullptr) return;
  // The reader closes every call before a sibling or caller starts; should a
  // damaged stream skip an exit, the slices left open end here.
  while (!open_.empty() && open_.back().depth >= c.depth) close_top(c.begin_ns, nullptr);
  event_head('B', c.begin_ns);
  buffer_ += ",\"name\":";
  buffer_ += quoted_name(c.site);
  std::vector<std::pair<std::string, std::string>> named;
  if (value_names_ != nullptr && value_names_->arguments(*process_, c, named) && !named.empty()) {
    buffer_ += ",\"args\":{";
    for (std::size_t i = 0; i < named.size(); ++i) {
      if (i != 0) buffer_ += ',';
      append_json_string(buffer_, named[i].first);
      buffer_ += ':';
      append_json_string(buffer_, named[i].second);
    }
    buffer_ += '}';
  } else if (!c.args.empty()) {
    buffer_ += ",\"args\":{";
    for (std::size_t i = 0; i < c.args.size(); ++i) {
      buffer_ += fmt::format("{}\"arg{}\":", i == 0 ? "" : ",", i + 1);
      append_json_string(buffer_, c.args[i].format());
    }
    buffer_ += '}';
  }
  end_event();
  open_.push_back(Open{c.site, c.depth});
}

void ChromeTraceWriter::close_top(std::uint64_t ns, const tracefile::Call* c) {
  const Open top = open_.back();
  open_.pop_back();
  event_head('E', ns);
  buffer_ += ",\"name\":";
  buffer_ += quoted_name(top.site);
  std::string args;
  if (c == nullptr || !c->complete) {
    args = "\"incomplete\":true";
  } else {
    if (!c->retval.empty()) {
      std::string text;
      if (value_names_ == nullptr || process_ == nullptr || !value_names_->return_value(*process_, *c, text))
        text = c->retval.front().format();
      args = "\"retval\":";
      append_json_string(args, text);
    }
    if (c->unwound) args += args.empty() ? "\"unwound\":true" : ",\"unwound\":true";
  }
  if (!args.empty()) buffer_ += ",\"args\":{" + args + '}';
  end_event();
}

void ChromeTraceWriter::on_exit(const tracefile::Call& c) {
  if (process_ == nullptr) return;
  std::size_t i = open_.size();
  while (i > 0 && !(open_[i - 1].depth == c.depth && open_[i - 1].site == c.site)) --i;
  if (i == 0) return;  // its entry was never shown: nothing to close
  while (open_.size() > i) close_top(c.end_ns, nullptr);
  close_top(c.end_ns, &c);
}

void ChromeTraceWriter::on_event(const tracefile::TraceEvent& e) {
  if (process_ == nullptr) return;
  const char* name = instant_name(e.kind);
  if (name == nullptr) return;
  event_head('i', e.ns);
  buffer_ += fmt::format(",\"s\":\"t\",\"name\":\"{}\",\"args\":{{", name);
  switch (e.kind) {
    case Event::thread_start:
      buffer_ += fmt::format("\"parent_tid\":{}", e.number);
      break;
    case Event::fork:
      buffer_ += fmt::format("\"child_pid\":{}", e.number);
      break;
    case Event::fork_child:
      buffer_ += fmt::format("\"parent_pid\":{}", e.number);
      break;
    case Event::exec:
      buffer_ += "\"path\":";
      append_json_string(buffer_, e.text);
      break;
    case Event::exec_failed:
      buffer_ += fmt::format("\"errno\":{}", e.number);
      break;
    case Event::signal: {
      buffer_ += fmt::format("\"signo\":{}", e.number);
      const char* abbrev = e.number < 65 ? ::sigabbrev_np(static_cast<int>(e.number)) : nullptr;
      if (abbrev != nullptr) buffer_ += fmt::format(",\"signal\":\"SIG{}\"", abbrev);
      break;
    }
    case Event::lost:
      buffer_ += fmt::format("\"count\":{}", e.number);
      break;
    default:
      break;
  }
  buffer_ += '}';
  end_event();
}

void ChromeTraceWriter::end_thread() {
  while (!open_.empty()) close_top(last_ns_, nullptr);
  process_ = nullptr;
}

bool ChromeTraceWriter::finish() {
  buffer_ += "\n]}\n";
  ok_ &= std::fwrite(buffer_.data(), 1, buffer_.size(), out_) == buffer_.size();
  buffer_.clear();
  ok_ &= std::fflush(out_) == 0;
  return ok_;
}

}  // namespace ariadne::analysis
