using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CircleActors.Domain.Config.Internal;

/// <summary>
/// Passes YAML events through, reporting an alias to an undefined anchor at the alias itself
/// (YamlDotNet's representation model reports it at the start of the document) and recording
/// where each document starts, so a second document can be reported where it begins.
/// </summary>
internal sealed class AliasCheckingParser(IParser inner) : IParser
{
    private readonly HashSet<AnchorName> completedAnchors = [];
    // An anchor counts as defined once its node is complete, so a node that aliases its own
    // ancestor (a recursive structure no config needs) is rejected instead of looping forever.
    private readonly Stack<(AnchorName Anchor, Mark Start)> openCollections = new();
    private readonly List<Mark> documentStarts = [];

    public IReadOnlyList<Mark> DocumentStarts => documentStarts;

    private Mark? lastClosedCollection;

    /// <summary>
    /// Where the map or list being read when the current event arrived starts: the one the
    /// current end event closes, else the innermost open one. The place to report a collection
    /// that cannot be read.
    /// </summary>
    public Mark? CollectionBeingRead =>
        Current is MappingEnd or SequenceEnd ? lastClosedCollection
        : openCollections.Count > 0 ? openCollections.Peek().Start
        : null;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext()) return false;
        switch (inner.Current)
        {
            case DocumentStart document:
                documentStarts.Add(document.Start);
                break;
            case AnchorAlias alias when !completedAnchors.Contains(alias.Value):
                throw new AnchorNotFoundException(alias.Start, alias.End,
                    $"the alias *{alias.Value} refers to an anchor &{alias.Value} that is not defined before it");
            case Scalar { Anchor.IsEmpty: false } scalar:
                completedAnchors.Add(scalar.Anchor);
                break;
            case MappingStart mapping:
                Open(mapping.Anchor, mapping.Start);
                break;
            case SequenceStart sequence:
                Open(sequence.Anchor, sequence.Start);
                break;
            case MappingEnd or SequenceEnd:
                var (anchor, start) = openCollections.Pop();
                lastClosedCollection = start;
                if (!anchor.IsEmpty) completedAnchors.Add(anchor);
                break;
        }
        return true;
    }

    private void Open(AnchorName anchor, Mark start)
    {
        // A redefined anchor is unusable until its new node is complete, for the same reason.
        completedAnchors.Remove(anchor);
        openCollections.Push((anchor, start));
    }
}
