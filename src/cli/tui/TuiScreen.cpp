#include "cli/tui/TuiScreen.hpp"

#include <curses.h>

#include <clocale>
#include <string>

namespace ariadne::cli::tui {

const char* const kKeysHelp =
    "Keys: Up/Down or k/j move, PgUp/PgDn a page, Home/End; Enter or space folds/opens a tree node, Left/h "
    "folds (or goes to the caller), Right/l opens; Tab or 1/2/3 switch to the Tree, Report or Graph view; "
    "s sorts the report by the next column; / searches function names (n: the next match); Enter on a "
    "report row jumps to that function's first call in the tree; g shows the call graph of the row's "
    "function; q quits.";

namespace {

// The screen: title, column header, rows, message, help.
constexpr int kAbove = 2, kBelow = 2;

void draw_line(int y, const std::string& text, int attrs) {
  attrset(attrs);
  mvaddnstr(y, 0, text.c_str(), COLS);
  clrtoeol();
  attrset(A_NORMAL);
}

void draw(TuiModel& m) {
  const int height = LINES - kAbove - kBelow;
  draw_line(0, m.title_line(), A_BOLD);
  draw_line(1, "  " + m.header(), A_UNDERLINE);
  const std::size_t first = height > 0 ? m.first_row(static_cast<std::size_t>(height)) : 0;
  const std::size_t cursor = m.cursor();
  for (int y = 0; y < height; ++y) {
    const std::size_t row = first + static_cast<std::size_t>(y);
    if (row >= m.row_count()) {
      move(kAbove + y, 0);
      clrtoeol();
      continue;
    }
    // "> " as well as reverse video: the cursor shows without attributes too.
    const bool here = row == cursor && m.row_count() > 0;
    draw_line(kAbove + y, (here ? "> " : "  ") + m.row_text(row), here ? A_REVERSE : A_NORMAL);
  }
  draw_line(LINES - 2, m.message(), A_NORMAL);
  draw_line(LINES - 1, TuiModel::help_line(), A_DIM);
  refresh();
}

// The search text typed after `/`, on the message line; empty if cancelled (Esc).
std::string read_search() {
  std::string text;
  for (;;) {
    draw_line(LINES - 2, "/" + text, A_NORMAL);
    curs_set(1);
    refresh();
    const int k = getch();
    curs_set(0);
    if (k == '\n' || k == '\r' || k == KEY_ENTER) return text;
    if (k == 27) return {};
    if (k == KEY_BACKSPACE || k == 127 || k == 8) {
      if (!text.empty()) text.pop_back();
    } else if (k >= 32 && k < 127) {
      text += static_cast<char>(k);
    }
  }
}

// False for q.
bool handle(TuiModel& m, int key) {
  const auto page =
      static_cast<std::ptrdiff_t>(LINES > kAbove + kBelow + 1 ? LINES - kAbove - kBelow - 1 : 1);
  switch (key) {
    case 'q':
      return false;
    case KEY_UP:
    case 'k':
      m.move(-1);
      break;
    case KEY_DOWN:
    case 'j':
      m.move(1);
      break;
    case KEY_PPAGE:
      m.move(-page);
      break;
    case KEY_NPAGE:
      m.move(page);
      break;
    case KEY_HOME:
      m.move_to(0);
      break;
    case KEY_END:
      m.move_to(m.row_count());
      break;
    case KEY_LEFT:
    case 'h':
      m.fold();
      break;
    case KEY_RIGHT:
    case 'l':
      m.unfold();
      break;
    case '\n':
    case KEY_ENTER:
      m.activate();
      break;
    case ' ':
      m.toggle_fold();
      break;
    case '\t':
      m.next_view();
      break;
    case '1':
      m.show(View::tree);
      break;
    case '2':
      m.show(View::report);
      break;
    case '3':
      m.show(View::graph);
      break;
    case 's':
      m.next_sort();
      break;
    case 'g':
      m.show_graph();
      break;
    case '/': {
      const std::string text = read_search();
      if (!text.empty()) m.search(text);
      break;
    }
    case 'n':
      m.search_next();
      break;
    default:
      break;
  }
  return true;
}

}  // namespace

void run_screen(TuiModel& model) {
  std::setlocale(LC_ALL, "");  // UTF-8 in function names
  initscr();
  cbreak();
  noecho();
  nonl();  // Enter arrives as '\r': mapped below
  keypad(stdscr, TRUE);
  curs_set(0);
  for (;;) {
    draw(model);
    int key = getch();
    if (key == '\r') key = '\n';
    if (key == KEY_RESIZE) continue;
    if (key == ERR || !handle(model, key)) break;
  }
  endwin();
}

}  // namespace ariadne::cli::tui
