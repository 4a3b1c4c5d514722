using System.Diagnostics;
using CircleActors.Agent.Steps.TestResults;
using CircleActors.Domain.TestResults.Messages;

namespace CircleActors.Agent.Tests.TestResults;

/// <summary>
/// The <c>circleci</c> program the agent embeds, run for real: under this machine's /bin/sh and
/// awk, and under busybox alone (what a minimal image has), in a folder of real files.
/// </summary>
public sealed class TestSplittingScriptSpecs : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ca-split-");
    private readonly string _script;
    private readonly string _busyboxPath;

    public TestSplittingScriptSpecs()
    {
        _script = Path.Combine(_work.FullName, "circleci");
        File.WriteAllText(_script, TestSplittingTools.Script);
        // A PATH with nothing but busybox applets, as in the circleactors/busybox image.
        _busyboxPath = Directory.CreateDirectory(Path.Combine(_work.FullName, "busybox-bin")).FullName;
        foreach (var applet in new[] { "sh", "awk", "sort", "find", "tr", "cat", "wc", "dirname", "printf" })
            File.CreateSymbolicLink(Path.Combine(_busyboxPath, applet), Busybox);
        foreach (var file in new[] { "tests/a_test.py", "tests/b_test.py", "tests/unit/c_test.py", "tests/unit/d_test.py", "tests/unit/deep/e_test.py", "tests/notes.txt", "spec/x_spec.rb" })
            Write(file, "x");
    }

    private static string Busybox => File.Exists("/usr/bin/busybox") ? "/usr/bin/busybox" : "/bin/busybox";

    public static TheoryData<string> Shells => new() { "system", "busybox" };

    [Theory]
    [InlineData("tests/**/*.py", "tests/a_test.py tests/b_test.py tests/unit/c_test.py tests/unit/d_test.py tests/unit/deep/e_test.py")]
    [InlineData("tests/*.py", "tests/a_test.py tests/b_test.py")]
    [InlineData("tests/unit/[cd]_test.py", "tests/unit/c_test.py tests/unit/d_test.py")]
    [InlineData("{spec,tests}/?_*", "spec/x_spec.rb tests/a_test.py tests/b_test.py")]
    [InlineData("**/*.txt", "tests/notes.txt")]
    [InlineData("nowhere/**/*.py", "")]
    public void Glob_lists_the_matching_files_sorted(string pattern, string expected)
    {
        foreach (var shell in new[] { "system", "busybox" })
        {
            var (exitCode, stdout, stderr) = Run(shell, "", "tests", "glob", pattern);
            Assert.True(exitCode == 0, $"{shell}: {stderr}");
            Assert.Equal(expected, string.Join(' ', Lines(stdout)));
        }
    }

    [Theory]
    // Ten names in four runs by name: 3, 2, 3, 2 in sorted order.
    [InlineData("name", 4, 0, "n00 n01 n02")]
    [InlineData("name", 4, 1, "n03 n04")]
    [InlineData("name", 4, 2, "n05 n06 n07")]
    [InlineData("name", 4, 3, "n08 n09")]
    [InlineData("name", 1, 0, "n00 n01 n02 n03 n04 n05 n06 n07 n08 n09")]
    [InlineData("name", 12, 10, "n09")]
    [InlineData("name", 12, 11, "")]
    public void Split_by_name_cuts_the_sorted_list_into_even_runs(string splitBy, int total, int index, string expected)
    {
        var input = string.Join(' ', Enumerable.Range(0, 10).Reverse().Select(i => $"n{i:D2}"));
        foreach (var shell in new[] { "system", "busybox" })
        {
            var (exitCode, stdout, stderr) = Run(shell, input, "tests", "split", $"--split-by={splitBy}", "--total", $"{total}", $"--index={index}");
            Assert.True(exitCode == 0, $"{shell}: {stderr}");
            Assert.Equal(expected, string.Join(' ', Lines(stdout)));
        }
    }

    [Theory]
    // Recorded: a 10 s, c 9 s (two cases of 5 s and 4 s), b 1 s; d and e have no timing and weigh the average (20/3 s).
    // Heaviest first into the lightest share: a→0, c→1, d→2, e→2 (2 is still lightest at 6.7), b→1.
    [InlineData("timings", 3, 0, "", "tests/a_test.py")]
    [InlineData("timings", 3, 1, "", "tests/b_test.py tests/unit/c_test.py")]
    [InlineData("timings", 3, 2, "", "tests/unit/d_test.py tests/unit/deep/e_test.py")]
    // With --time-default=0.5s the unknown ones weigh half a second: a→0, c→1, b→2, d→2, e→2.
    [InlineData("timings", 3, 2, "--time-default=0.5s", "tests/b_test.py tests/unit/d_test.py tests/unit/deep/e_test.py")]
    // By classname the recorded classes are "A" and "C" only: none of the names match, so every name weighs the same.
    [InlineData("timings", 2, 0, "--timings-type=classname", "tests/a_test.py tests/unit/c_test.py tests/unit/deep/e_test.py")]
    public void Split_by_timings_balances_the_recorded_times(string splitBy, int total, int index, string option, string expected)
    {
        var timings = Path.Combine(_work.FullName, "test-timings");
        File.WriteAllText(timings, TestSplittingTools.TimingsFile(
        [
            new TestTiming("tests/a_test.py", "A", "test_a", 10),
            new TestTiming("./tests/unit/c_test.py", "C", "test_c1", 5),
            new TestTiming("tests/unit/c_test.py", "C", "test_c2", 4),
            new TestTiming("tests/b_test.py", null, "test_b", 1),
            new TestTiming(null, "Z", "test_z", 100),
        ]));
        var input = "tests/a_test.py\ntests/b_test.py\ntests/unit/c_test.py\ntests/unit/d_test.py\ntests/unit/deep/e_test.py\n";
        string[] options = option.Length == 0 ? [] : [option];
        foreach (var shell in new[] { "system", "busybox" })
        {
            var (exitCode, stdout, stderr) = Run(shell, input, ["tests", "split", $"--split-by={splitBy}", $"--total={total}", "--index", $"{index}", .. options],
                new Dictionary<string, string> { [TestSplittingTools.TimingsVariable] = timings });
            Assert.True(exitCode == 0, $"{shell}: {stderr}");
            Assert.Equal(expected, string.Join(' ', Lines(stdout)));
        }
    }

    [Fact]
    public void Split_by_timings_matches_class_names_when_no_file_name_has_a_timing()
    {
        var timings = Path.Combine(_work.FullName, "test-timings");
        File.WriteAllText(timings, TestSplittingTools.TimingsFile(
            [new TestTiming(null, "Slow", "t1", 9), new TestTiming(null, "Mid", "t2", 5), new TestTiming(null, "Quick", "t3", 4)]));
        var outputs = Enumerable.Range(0, 2).Select(i => Run("busybox", "Slow Mid Quick", ["tests", "split", "--split-by=timings", "--total=2", $"--index={i}"],
            new Dictionary<string, string> { [TestSplittingTools.TimingsVariable] = timings })).ToList();

        Assert.Equal(["Slow"], Lines(outputs[0].Stdout));
        Assert.Equal(["Mid", "Quick"], Lines(outputs[1].Stdout));
    }

    [Fact]
    public void Split_by_filesize_balances_the_bytes()
    {
        Write("big.txt", new string('x', 900));
        Write("mid.txt", new string('x', 500));
        Write("small1.txt", new string('x', 300));
        Write("small2.txt", new string('x', 200));
        foreach (var shell in new[] { "system", "busybox" })
        {
            var shares = Enumerable.Range(0, 2)
                .Select(i => Lines(Run(shell, "small2.txt big.txt mid.txt small1.txt", "tests", "split", "--split-by=filesize", "--total=2", $"--index={i}").Stdout))
                .ToList();
            Assert.Equal(["big.txt"], shares[0]);
            Assert.Equal(["mid.txt", "small1.txt", "small2.txt"], shares[1]);
        }
    }

    [Fact]
    public void The_node_index_and_total_come_from_the_environment_unless_given()
    {
        var (_, stdout, _) = Run("busybox", "a b c d", ["tests", "split"], new Dictionary<string, string> { ["CIRCLE_NODE_TOTAL"] = "2", ["CIRCLE_NODE_INDEX"] = "1" });
        Assert.Equal(["c", "d"], Lines(stdout));
    }

    [Theory]
    [InlineData("--split-by=size", "--split-by must be name, filesize or timings")]
    [InlineData("--index=4", "the index must be a whole number below the total (4)")]
    [InlineData("--total=0", "the total must be a whole number of at least 1")]
    [InlineData("--timings-type=suite", "--timings-type must be filename, classname or testname")]
    [InlineData("--frobnicate=1", "unknown option --frobnicate")]
    public void Bad_options_are_refused_with_the_reason(string option, string reason)
    {
        var (exitCode, stdout, stderr) = Run("busybox", "a b", "tests", "split", "--total=4", option);
        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        Assert.Contains(reason, stderr);
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_work.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static IReadOnlyList<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private (int ExitCode, string Stdout, string Stderr) Run(string shell, string input, params string[] arguments) =>
        Run(shell, input, arguments, new Dictionary<string, string>());

    private (int ExitCode, string Stdout, string Stderr) Run(string shell, string input, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(shell == "busybox" ? Busybox : "/bin/sh")
        {
            WorkingDirectory = _work.FullName, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (shell == "busybox") start.ArgumentList.Add("sh");
        start.ArgumentList.Add(_script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        start.Environment["PATH"] = shell == "busybox" ? _busyboxPath : "/usr/bin:/bin";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        try
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The script refused its options before reading its input.
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(30_000), "the script did not finish");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
