using CircleActors.Domain.Common;

namespace CircleActors.Server.Api;

/// <summary><c>/api/v2/me</c>: who the token belongs to. Until users exist, every token is the admin's.</summary>
public static class UserApi
{
    public sealed record UserView(string Id, string Login, string Name);

    /// <summary>The admin's id is stable across restarts and installations, as a user's id is.</summary>
    private static readonly string AdminId = DerivedIds.NameBased(new Guid("0f3c1d62-84a5-4a6b-9a57-3c3c8e1f2b10"), Actor.Admin.Id).ToString();

    public static void MapUser(this RouteGroupBuilder api) =>
        api.MapGet("/me", () => Results.Json(new UserView(AdminId, Actor.Admin.Id, Actor.Admin.Name ?? Actor.Admin.Id)));
}
