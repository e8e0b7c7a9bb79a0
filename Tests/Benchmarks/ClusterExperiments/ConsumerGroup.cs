using System.Diagnostics;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>The members of one consumer group in a cell, and when the group is balanced again after a change.</summary>
internal sealed class ConsumerGroup(string bootstrapServers, string group, string topic, DeliveryLedger ledger, DateTime deadline) : IDisposable
{
    private readonly List<GroupMember> _members = [];

    /// <summary>Members still in the group (not asked to leave).</summary>
    public IReadOnlyList<GroupMember> Members => _members;

    public GroupMember Join()
    {
        var member = new GroupMember(bootstrapServers, group, topic, ledger, deadline);
        _members.Add(member);
        member.Start();
        return member;
    }

    /// <summary>Takes a member out of the group; its Close (LeaveGroup) runs on its own thread.</summary>
    public void Leave(GroupMember member)
    {
        _members.Remove(member);
        member.BeginLeave();
        _left.Add(member);
    }

    /// <summary>
    /// Seconds from <paramref name="since"/> (a Stopwatch timestamp) until every member has been given an assignment
    /// after it and together they hold all <paramref name="partitions"/>; NaN when that did not happen by the deadline.
    /// </summary>
    public double SecondsUntilBalanced(long since, int partitions, DateTime until)
    {
        while (DateTime.UtcNow < until)
        {
            if (_members.All(m => m.AssignedSince(since)) && _members.Sum(m => m.Partitions) == partitions)
            {
                return Stopwatch.GetElapsedTime(since).TotalSeconds;
            }

            Thread.Sleep(20);
        }

        return double.NaN;
    }

    public void Dispose()
    {
        foreach (var member in _members.Concat(_left))
        {
            member.BeginLeave();
        }

        foreach (var member in _members.Concat(_left))
        {
            member.Dispose();
        }
    }

    private readonly List<GroupMember> _left = [];
}
