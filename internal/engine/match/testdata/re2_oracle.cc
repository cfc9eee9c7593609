// re2_oracle: differential-testing helper for package match.
//
// For every input line "<pattern-hex> <subject-hex>" ("-" stands for an
// empty operand) it compiles the pattern with RE2 and the RE2::POSIX
// options, the way libsinsp compiles the right-hand side of a regex
// condition, and prints either
//
//     E <error-text-hex>     when RE2 refuses the pattern, or
//     1 / 0                  whether the whole subject matches
//                            (RE2::Match with ANCHOR_BOTH).
//
// Build: g++ -O2 -o re2_oracle re2_oracle.cc -lre2
#include <re2/re2.h>

#include <cstdio>
#include <iostream>
#include <string>

static int hexval(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static bool unhex(const std::string &in, std::string *out) {
	out->clear();
	if (in == "-") return true;
	if (in.size() % 2 != 0) return false;
	for (size_t i = 0; i < in.size(); i += 2) {
		int hi = hexval(in[i]), lo = hexval(in[i + 1]);
		if (hi < 0 || lo < 0) return false;
		out->push_back(static_cast<char>(hi << 4 | lo));
	}
	return true;
}

int main() {
	std::ios::sync_with_stdio(false);
	std::string line;
	while (std::getline(std::cin, line)) {
		size_t sp = line.find(' ');
		std::string pattern, subject;
		if (sp == std::string::npos || !unhex(line.substr(0, sp), &pattern) ||
		    !unhex(line.substr(sp + 1), &subject)) {
			std::cerr << "re2_oracle: malformed input line\n";
			return 2;
		}
		RE2::Options opts(RE2::POSIX);
		opts.set_log_errors(false);
		RE2 re(re2::StringPiece(pattern.data(), pattern.size()), opts);
		if (!re.ok()) {
			std::cout << "E ";
			for (unsigned char c : re.error()) {
				char buf[3];
				std::snprintf(buf, sizeof buf, "%02x", c);
				std::cout << buf;
			}
			std::cout << "\n";
			continue;
		}
		re2::StringPiece text(subject.data(), subject.size());
		std::cout << (re.Match(text, 0, subject.size(), RE2::ANCHOR_BOTH, nullptr, 0) ? "1" : "0")
		          << "\n";
	}
	return 0;
}
