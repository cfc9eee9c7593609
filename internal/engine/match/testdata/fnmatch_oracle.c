/*
 * fnmatch_oracle: differential-testing helper for package match.
 *
 * It answers queries read from stdin, one per line:
 *
 *     g <pattern-hex> <subject-hex>   fnmatch(pattern, subject, 0)
 *     i <pattern-hex> <subject-hex>   fnmatch(pattern, subject, FNM_CASEFOLD)
 *     s <haystack-hex> <needle-hex>   strcasestr(haystack, needle)
 *
 * and writes one line per query: fnmatch's raw return value, or the offset
 * strcasestr found (-1 for none). Hex keeps arbitrary bytes out of the way
 * of the line protocol; an empty operand is written as "-".
 *
 * It never calls setlocale(), so it runs in the "C" locale, exactly like
 * Falco/libsinsp, which never call it either.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes the hex token at *p into a new NUL-terminated buffer and moves *p
 * past the token and one following space. Returns NULL on bad input. */
static char *decode(char **p) {
	char *s = *p;
	size_t n = strcspn(s, " \r\n");
	const char *digits = s;
	size_t ndigits = n;
	if (n == 1 && s[0] == '-') ndigits = 0;
	if (ndigits % 2 != 0) return NULL;
	char *out = malloc(ndigits / 2 + 1);
	if (out == NULL) return NULL;
	for (size_t i = 0; i < ndigits; i += 2) {
		int hi = hexval((unsigned char)digits[i]);
		int lo = hexval((unsigned char)digits[i + 1]);
		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i / 2] = (char)(hi << 4 | lo);
	}
	out[ndigits / 2] = '\0';
	s += n;
	if (*s == ' ') s++;
	*p = s;
	return out;
}

int main(void) {
	static char line[1 << 20];
	while (fgets(line, sizeof line, stdin) != NULL) {
		char op = line[0];
		char *p = line + 1;
		if (*p == ' ') p++;
		char *a = decode(&p);
		char *b = a == NULL ? NULL : decode(&p);
		if (a == NULL || b == NULL) {
			fprintf(stderr, "fnmatch_oracle: malformed input line\n");
			return 2;
		}
		switch (op) {
		case 'g':
			printf("%d\n", fnmatch(a, b, 0));
			break;
		case 'i':
			printf("%d\n", fnmatch(a, b, FNM_CASEFOLD));
			break;
		case 's': {
			char *r = strcasestr(a, b);
			printf("%ld\n", r == NULL ? -1L : (long)(r - a));
			break;
		}
		default:
			fprintf(stderr, "fnmatch_oracle: unknown operation %c\n", op);
			return 2;
		}
		free(a);
		free(b);
	}
	return 0;
}
