/* A learner's own program as vmlab's tests run it in a guest: built static (the guests have no
 * libc), put in the working folder with --in. It prints to stdout and stderr, copies the --in
 * file data.txt (from its working folder) to $VMLAB_OUT/copy.txt, writes $VMLAB_OUT/sub/args,
 * and exits with the status its first argument names. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int copy(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	int c;

	if (!in || !out)
		return -1;
	while ((c = getc(in)) != EOF)
		putc(c, out);
	fclose(in);
	return fclose(out);
}

int main(int argc, char **argv)
{
	const char *out = getenv("VMLAB_OUT");
	char path[4096];
	FILE *f;
	int i;

	printf("prog: stdout, %d argument(s)\n", argc - 1);
	fprintf(stderr, "prog: stderr\n");
	if (!out || copy("data.txt", (snprintf(path, sizeof path, "%s/copy.txt", out), path)) != 0)
		return 100;
	snprintf(path, sizeof path, "%s/sub", out);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/sub/args", out);
	f = fopen(path, "w");
	if (!f)
		return 101;
	for (i = 1; i < argc; i++)
		fprintf(f, "%s\n", argv[i]);
	fclose(f);
	return argc > 1 ? atoi(argv[1]) : 0;
}
