import Box from '@mui/material/Box';

/**
 * Text with markdown code spans (`` `CILIUM_CLUSTERMESH_FQDN` ``) shown as
 * code, the rest as plain text. Only code spans: the engine's messages and
 * remediations use no other markdown. An unpaired backtick stays as it is.
 */
export function InlineCode(props: { text: string }) {
  const parts = props.text.split(/`([^`]+)`/);
  if (parts.length === 1) return <>{props.text}</>;
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <Box
            component="code"
            key={i}
            sx={{
              fontFamily: 'monospace',
              fontSize: '0.95em',
              px: 0.5,
              borderRadius: 0.5,
              bgcolor: 'action.hover',
              overflowWrap: 'break-word',
            }}
          >
            {part}
          </Box>
        ) : (
          part
        ),
      )}
    </>
  );
}
