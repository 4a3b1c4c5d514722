using System.Collections;
using System.Reflection;
using Akka.Actor;
using Xunit.Sdk;

namespace CircleActors.Actors.Tests.Serialization;

/// <summary>
/// Compares two object graphs member by member: sequences element-wise, dictionaries by key,
/// sets by content, and times with their offset (<see cref="DateTimeOffset.Equals(DateTimeOffset)"/> ignores it).
/// </summary>
internal static class Structurally
{
    public static void Equal(object? expected, object? actual) => Compare(expected, actual, "$", 0);

    private static void Compare(object? expected, object? actual, string path, int depth)
    {
        if (depth > 32) throw new XunitException($"{path}: graph too deep to compare");
        if (expected is null || actual is null)
        {
            if (expected is not null || actual is not null) Fail(path, expected, actual);
            return;
        }
        var type = expected.GetType();
        if (actual.GetType() != type && !(expected is IEnumerable && actual is IEnumerable))
            throw new XunitException($"{path}: expected a {type.Name}, got a {actual.GetType().Name}");

        switch (expected)
        {
            case DateTimeOffset time:
                if (!time.EqualsExact((DateTimeOffset)actual)) Fail(path, expected, actual);
                return;
            case string or IActorRef or Guid or decimal or DateTime or TimeSpan:
            case var _ when type.IsPrimitive || type.IsEnum:
                if (!expected.Equals(actual)) Fail(path, expected, actual);
                return;
            case IDictionary dictionary:
                CompareDictionaries(dictionary, (IDictionary)actual, path, depth);
                return;
            case IEnumerable sequence when IsSet(type):
                var left = sequence.Cast<object>().ToList();
                var right = ((IEnumerable)actual).Cast<object>().ToList();
                if (left.Count != right.Count || left.Any(e => !right.Contains(e))) Fail(path, string.Join(",", left), string.Join(",", right));
                return;
            case IEnumerable sequence:
                var items = sequence.Cast<object?>().ToList();
                var others = ((IEnumerable)actual).Cast<object?>().ToList();
                if (items.Count != others.Count) throw new XunitException($"{path}: expected {items.Count} items, got {others.Count}");
                for (var i = 0; i < items.Count; i++) Compare(items[i], others[i], $"{path}[{i}]", depth + 1);
                return;
        }

        var members = 0;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            members++;
            Compare(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}", depth + 1);
        }
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            members++;
            Compare(field.GetValue(expected), field.GetValue(actual), $"{path}.{field.Name}", depth + 1);
        }
        if (members == 0 && !type.IsValueType && type.GetConstructors().Any(c => c.GetParameters().Length > 0))
            throw new XunitException($"{path}: {type.Name} has no public members to compare");
    }

    private static void CompareDictionaries(IDictionary expected, IDictionary actual, string path, int depth)
    {
        if (expected.Count != actual.Count) throw new XunitException($"{path}: expected {expected.Count} entries, got {actual.Count}");
        foreach (DictionaryEntry entry in expected)
        {
            if (!actual.Contains(entry.Key)) throw new XunitException($"{path}: key {entry.Key} is missing");
            Compare(entry.Value, actual[entry.Key], $"{path}[{entry.Key}]", depth + 1);
        }
    }

    private static bool IsSet(Type type) => type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlySet<>));

    private static void Fail(string path, object? expected, object? actual) =>
        throw new XunitException($"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
}
