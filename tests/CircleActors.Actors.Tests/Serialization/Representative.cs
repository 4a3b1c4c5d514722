using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json.Serialization;
using Akka.Actor;
using CircleActors.Domain.Common;
using Xunit.Sdk;

namespace CircleActors.Actors.Tests.Serialization;

/// <summary>
/// Builds an instance of a message type with every member set to a distinct, non-default value
/// (so a member the serializer drops or swaps shows), with one of each subtype where a member is
/// polymorphic.
/// </summary>
internal sealed class Representative(IActorRef agent)
{
    private int _next = 3;

    private static readonly DateTimeOffset Epoch = new(2025, 3, 14, 9, 26, 53, 589, TimeSpan.FromHours(2));

    public object Of(Type type, string name = "value")
    {
        var n = _next++;
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Of(underlying, name);
        if (type == typeof(string)) return $"{name}-{n}";
        if (type == typeof(int)) return n;
        if (type == typeof(long)) return 1_000_000_000_000L + n;
        if (type == typeof(double)) return n + 0.25;
        if (type == typeof(bool)) return true;
        if (type == typeof(Guid)) return new Guid(n, 7, 9, [1, 2, 3, 4, 5, 6, 7, (byte)n]);
        if (type == typeof(DateTimeOffset)) return Epoch.AddTicks(n * 1_234_567L);
        if (type.IsEnum)
        {
            var values = Enum.GetValues(type);
            return values.GetValue(1 + n % (values.Length - 1))!;
        }
        if (type == typeof(ProjectSlug)) return ProjectSlug.Parse($"gh/acme/app-{n}");
        if (type == typeof(NodeId)) return new NodeId($"node-{n}");
        if (type == typeof(Actor)) return new Actor($"user-{n}", "user", $"User {n}");
        if (typeof(IActorRef).IsAssignableFrom(type)) return agent;
        if (type == typeof(object)) return $"{name}-{n}";

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (definition == typeof(ValueTuple<,>))
                return Activator.CreateInstance(type, Of(args[0], name + ".1"), Of(args[1], name + ".2"))!;
            if (IsDictionary(definition)) return Dictionary(type, args[0], args[1], name);
            if (definition == typeof(ImmutableArray<>))
                return typeof(ImmutableArray).GetMethods().Single(m => m.Name == "CreateRange" && m.GetParameters().Length == 1)
                    .MakeGenericMethod(args[0]).Invoke(null, [Items(args[0], name)])!;
            if (definition == typeof(ImmutableList<>))
                return typeof(ImmutableList).GetMethods().Single(m => m.Name == "CreateRange" && m.GetParameters().Length == 1)
                    .MakeGenericMethod(args[0]).Invoke(null, [Items(args[0], name)])!;
            if (definition == typeof(ImmutableHashSet<>))
                return typeof(ImmutableHashSet).GetMethods().Single(m => m.Name == "CreateRange" && m.GetParameters().Length == 1)
                    .MakeGenericMethod(args[0]).Invoke(null, [Items(args[0], name)])!;
            if (definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(List<>)
                || definition == typeof(IEnumerable<>) || definition == typeof(IList<>))
                return Items(args[0], name);
        }

        if (type.IsAbstract)
            return Of(Subtypes(type).First(), name);
        return Record(type);
    }

    private object Record(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new XunitException($"no public constructor to build {type.FullName}");
        return constructor.Invoke(constructor.GetParameters().Select(p => Of(p.ParameterType, p.Name!)).ToArray());
    }

    /// <summary>Two items, or one of each subtype for a polymorphic element type.</summary>
    private IList Items(Type element, string name)
    {
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        var kinds = element.IsAbstract ? Subtypes(element) : [element, element];
        foreach (var kind in kinds) list.Add(Of(kind, name));
        return list;
    }

    private object Dictionary(Type type, Type key, Type value, string name)
    {
        var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(key, value))!;
        for (var i = 0; i < 2; i++) dictionary[Of(key, name + ".key")] = Of(value, name);
        if (type.GetGenericTypeDefinition() != typeof(ImmutableDictionary<,>)) return dictionary;
        return typeof(ImmutableDictionary).GetMethods()
            .Single(m => m.Name == "ToImmutableDictionary" && m.GetParameters().Length == 1 && m.GetGenericArguments().Length == 2)
            .MakeGenericMethod(key, value).Invoke(null, [dictionary])!;
    }

    private static bool IsDictionary(Type definition) =>
        definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(Dictionary<,>) || definition == typeof(ImmutableDictionary<,>)
        || definition == typeof(IDictionary<,>);

    private static IReadOnlyList<Type> Subtypes(Type type)
    {
        var derived = type.GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => a.DerivedType).ToList();
        return derived.Count > 0 ? derived : throw new XunitException($"{type.FullName} is abstract with no JSON subtypes");
    }
}
