using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JinDu.Cooperation.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class WebhookLease : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "webhook_deliveries")
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LeasedUntil",
                table: "webhook_deliveries",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LeasedUntil",
                table: "webhook_deliveries");

            migrationBuilder.AlterTable(
                name: "webhook_deliveries")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 70);
        }
    }
}
