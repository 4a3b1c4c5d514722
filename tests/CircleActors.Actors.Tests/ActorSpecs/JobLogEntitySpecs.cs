using Akka.Actor;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Domain.Common;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.ActorSpecs;

public sealed class JobLogEntitySpecs : ActorSpec
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("circleactors-blobs-");
    private readonly BlobStore _blobs;
    private readonly IActorRef _log;
    private readonly JobId _job = new(Guid.NewGuid());

    public JobLogEntitySpecs(ITestOutputHelper output) : base(output)
    {
        _blobs = new BlobStore(_root.FullName);
        _log = Sys.ActorOf(JobLogEntity.PropsFor(_blobs));
    }

    private async Task<LogProtocol.LogChunkAck> AppendAsync(long offset, string data, int step = 1) =>
        await _log.Ask<LogProtocol.LogChunkAck>(new LogProtocol.LogChunk(_job, 0, 1, step, offset, data), TimeSpan.FromSeconds(3));

    private string Written(int step = 1) => _blobs.ReadLog(_job, 0, 1, step);

    [Fact]
    public async Task No_log_file_stays_open_between_chunks()
    {
        foreach (var step in new[] { 0, 1, 2, LogProtocol.AgentLogStep })
            Assert.True((await AppendAsync(0, $"step {step}\n", step)).Accepted);

        // The process's open descriptors (Linux): none is one of the job's logs, though the entity lives on.
        var open = new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(fd => fd.LinkTarget).OfType<string>().ToList();
        Assert.NotEmpty(open);
        Assert.DoesNotContain(_blobs.JobLogPath(_job), open);
        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 13, true), await AppendAsync(7, "again\n"));
        Assert.Equal("step 1\nagain\n", Written());
    }

    [Fact]
    public async Task Chunks_are_appended_in_order_and_acknowledged_with_the_new_length()
    {
        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 6, true), await AppendAsync(0, "hello\n"));
        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 13, true), await AppendAsync(6, "wörld\n"));

        Assert.Equal("hello\nwörld\n", Written());
    }

    [Fact]
    public async Task Chunks_sent_together_are_each_appended_or_refused_as_if_sent_alone_and_answered_in_order()
    {
        await AppendAsync(0, "first\n");
        LogProtocol.LogChunk Chunk(int step, long offset, string data) => new(_job, 0, 1, step, offset, data);

        var acks = await _log.Ask<LogProtocol.LogChunkAcks>(new LogProtocol.LogChunks(_job,
        [
            Chunk(LogProtocol.AgentLogStep, 0, "agent\n"),
            Chunk(1, 0, "first\n"), // a repeat: acknowledged, not written again
            Chunk(1, 6, "second\n"),
            Chunk(2, 4, "after a gap\n"), // step 2's log is empty: refused
            Chunk(LogProtocol.AgentLogStep, 6, "more\n"),
        ]), TimeSpan.FromSeconds(3));

        Assert.Equal(
        [
            new LogProtocol.LogChunkAck(_job, 0, 1, LogProtocol.AgentLogStep, 6, true),
            new LogProtocol.LogChunkAck(_job, 0, 1, 1, 6, true),
            new LogProtocol.LogChunkAck(_job, 0, 1, 1, 13, true),
            new LogProtocol.LogChunkAck(_job, 0, 1, 2, 0, false),
            new LogProtocol.LogChunkAck(_job, 0, 1, LogProtocol.AgentLogStep, 11, true),
        ], acks.Acks);
        Assert.Equal("first\nsecond\n", Written());
        Assert.Equal("agent\nmore\n", Written(LogProtocol.AgentLogStep));
        Assert.Equal("", Written(2));
    }

    [Fact]
    public async Task The_agents_log_of_a_task_is_kept_in_the_jobs_log_file_and_not_published_to_live_followers()
    {
        var published = CreateTestProbe();
        Sys.EventStream.Subscribe(published.Ref, typeof(LogProtocol.StepOutputWritten));
        await AppendAsync(0, "step\n", step: 0);
        await published.ExpectMsgAsync<LogProtocol.StepOutputWritten>();

        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, LogProtocol.AgentLogStep, 9, true), await AppendAsync(0, "assigned\n", LogProtocol.AgentLogStep));

        Assert.Equal([new JobLogFile.Stream(0, 1, LogProtocol.AgentLogStep), new JobLogFile.Stream(0, 1, 0)], JobLogFile.ReadAll(_blobs.JobLogPath(_job)).Select(s => s.Stream));
        Assert.Equal("assigned\n", Written(LogProtocol.AgentLogStep));
        Assert.Equal("step\n", Written(0));
        await published.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_repeated_chunk_is_acknowledged_without_writing_it_twice()
    {
        await AppendAsync(0, "hello\n");
        await AppendAsync(6, "world\n");

        var repeat = await AppendAsync(6, "world\n");

        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 12, true), repeat);
        Assert.Equal("hello\nworld\n", Written());
    }

    [Fact]
    public async Task A_chunk_past_the_end_is_refused_with_the_current_length()
    {
        await AppendAsync(0, "hello\n");

        var gap = await AppendAsync(100, "lost\n");

        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 6, false), gap);
        Assert.Equal("hello\n", Written());
    }

    [Fact]
    public async Task Each_step_has_its_own_log()
    {
        await AppendAsync(0, "spin up\n", step: 0);

        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 5, true), await AppendAsync(0, "test\n", step: 1));

        Assert.Equal("spin up\n", Written(step: 0));
        Assert.Equal("test\n", Written(step: 1));
    }

    [Fact]
    public async Task A_new_entity_continues_the_log_from_the_files_length()
    {
        await WriteHelloThenStopAsync();

        var ack = await AppendThroughANewEntityAsync(6, "more\n");

        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 11, true), ack);
        Assert.Equal("hello\nmore\n", Written());
    }

    [Fact]
    public async Task A_new_entity_cuts_off_a_frame_a_crash_left_half_written_and_the_resent_chunk_takes_its_place()
    {
        await WriteHelloThenStopAsync();
        // A crash in the middle of the next frame's write: its header and part of its data.
        var path = _blobs.JobLogPath(_job);
        var whole = new FileInfo(path).Length;
        using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            JobLogFile.Append(file, whole, new JobLogFile.Stream(0, 1, 1), "torn\n"u8);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..(int)(whole + JobLogFile.HeaderLength + 2)]);
        Assert.Equal("hello\n", Written());

        var ack = await AppendThroughANewEntityAsync(6, "more\n");

        Assert.Equal(new LogProtocol.LogChunkAck(_job, 0, 1, 1, 11, true), ack);
        Assert.Equal("hello\nmore\n", Written());
        Assert.Equal(whole + JobLogFile.HeaderLength + 5, new FileInfo(path).Length);
    }

    /// <summary>Step 1 gets "hello\n", then the entity stops (as when it passivates, or its node goes down).</summary>
    private async Task WriteHelloThenStopAsync()
    {
        await AppendAsync(0, "hello\n");
        Watch(_log);
        Sys.Stop(_log);
        await ExpectTerminatedAsync(_log);
    }

    private async Task<LogProtocol.LogChunkAck> AppendThroughANewEntityAsync(long offset, string data) =>
        await Sys.ActorOf(JobLogEntity.PropsFor(_blobs)).Ask<LogProtocol.LogChunkAck>(new LogProtocol.LogChunk(_job, 0, 1, 1, offset, data), TimeSpan.FromSeconds(3));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _root.Delete(recursive: true);
    }
}
